package tfjs

// gemm computes c[m×n] += a[m×k] · b[k×n], all row-major with the given
// leading dimensions; with bias (n values) it computes c = bias + a·b
// without reading c, which saves a pass over the output. Columns go in
// blocks of 64 (a k×64 panel of b stays in cache), rows four at a time so
// each b row loaded serves four output rows; gemm4 uses the SIMD kernels
// of gemm_amd64.s where the CPU has them.
func gemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, bias []float32) {
	gemmWith(useSIMD, m, n, k, a, lda, b, ldb, c, ldc, bias)
}

// gemmWith is gemm with the SIMD kernels on or off (the pure-Go path is
// what other architectures run; tests and BenchmarkGemm compare both).
func gemmWith(simd bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, bias []float32) {
	const nb = 64 // columns per block: four c rows of nb floats stay in L1
	for j0 := 0; j0 < n; j0 += nb {
		j1 := min(j0+nb, n)
		i := 0
		var bb []float32
		if bias != nil {
			bb = bias[j0:j1]
		}
		for ; i+4 <= m; i += 4 {
			gemm4(simd, j1-j0, k, a[i*lda:], lda, b[j0:], ldb, c[i*ldc+j0:], ldc, bb)
		}
		for ; i < m; i++ {
			if bb != nil {
				copy(c[i*ldc+j0:i*ldc+j1], bb)
			}
			gemm1(simd, j1-j0, k, a[i*lda:], b[j0:], ldb, c[i*ldc+j0:])
		}
	}
}

// gemm4 does four rows of c (n columns) over all of k.
func gemm4(simd bool, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, bias []float32) {
	j := 0
	bp := func(j int) *float32 {
		if bias == nil {
			return nil
		}
		return &bias[j]
	}
	if simd && useAVX512 && n >= 32 && k > 0 {
		j = n &^ 31
		kernel4x32(j, k, &a[0], lda, &b[0], ldb, &c[0], ldc, bp(0))
	}
	if simd && k > 0 {
		if w := (n - j) &^ 15; w > 0 {
			kernel4x16(w, k, &a[0], lda, &b[j], ldb, &c[j], ldc, bp(j))
			j += w
		}
		if n-j >= 8 {
			kernel4x8(k, &a[0], lda, &b[j], ldb, &c[j], ldc, bp(j))
			j += 8
		}
	}
	if j == n {
		return
	}
	if bias != nil {
		for r := 0; r < 4; r++ {
			copy(c[r*ldc+j:r*ldc+n], bias[j:n])
		}
	}
	c0 := c[j:n]
	c1 := c[ldc+j : ldc+n]
	c2 := c[2*ldc+j : 2*ldc+n]
	c3 := c[3*ldc+j : 3*ldc+n]
	for p := 0; p < k; p++ {
		a0, a1, a2, a3 := a[p], a[lda+p], a[2*lda+p], a[3*lda+p]
		br := b[p*ldb+j : p*ldb+n]
		br = br[:len(c0)]
		c1 := c1[:len(c0)]
		c2 := c2[:len(c0)]
		c3 := c3[:len(c0)]
		for x, bv := range br {
			c0[x] += a0 * bv
			c1[x] += a1 * bv
			c2[x] += a2 * bv
			c3[x] += a3 * bv
		}
	}
}

func gemm1(simd bool, n, k int, a []float32, b []float32, ldb int, c []float32) {
	c = c[:n]
	n8 := 0
	if simd {
		n8 = n &^ 7
	}
	for p := 0; p < k; p++ {
		av := a[p]
		br := b[p*ldb : p*ldb+n]
		if n8 > 0 {
			axpyVec(&c[0], &br[0], n8, av)
		}
		for x := n8; x < n; x++ {
			c[x] += av * br[x]
		}
	}
}

// mulAdd does dst[i] += a[i]*b[i].
func mulAdd(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if useSIMD && n >= 8 {
		i = n &^ 7
		fmaVec(&dst[0], &a[0], &b[0], i)
	}
	for ; i < n; i++ {
		dst[i] += a[i] * b[i]
	}
}

// clampAll clamps every value into [lo, hi].
func clampAll(v []float32, lo, hi float32) {
	i := 0
	if useSIMD && len(v) >= 8 {
		i = len(v) &^ 7
		clampVec(&v[0], i, lo, hi)
	}
	for ; i < len(v); i++ {
		v[i] = min(max(v[i], lo), hi)
	}
}
