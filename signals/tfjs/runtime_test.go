package tfjs

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func randTensor(r *rand.Rand, shape ...int) *Tensor {
	t := NewTensor(shape...)
	for i := range t.F {
		t.F[i] = r.Float32()*2 - 1
	}
	return t
}

func close32(a, b float32, tol float64) bool {
	return math.Abs(float64(a-b)) <= tol*(1+math.Abs(float64(b)))
}

// TestGemmMatchesNaive covers the SIMD 4×16 and 4×8 kernels and the Go
// tails (rows not a multiple of 4, columns not of 8).
func TestGemmMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range [][3]int{{1, 1, 1}, {4, 16, 3}, {5, 24, 7}, {7, 100, 33}, {64, 64, 64}, {13, 257, 9}, {3, 8, 1}, {8, 40, 5}} {
		m, n, k := d[0], d[1], d[2]
		a, b := randTensor(r, m, k), randTensor(r, k, n)
		c, bias := randTensor(r, m, n), randTensor(r, n)
		prod := make([]float64, m*n)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				for p := 0; p < k; p++ {
					prod[i*n+j] += float64(a.F[i*k+p]) * float64(b.F[p*n+j])
				}
			}
		}
		want := make([]float32, m*n)
		for i := range want {
			want[i] = float32(float64(c.F[i]) + prod[i])
		}
		c0 := append([]float32(nil), c.F...)
		gemmWith(false, m, n, k, a.F, k, b.F, n, c0, n, nil)
		gemm(m, n, k, a.F, k, b.F, n, c.F, n, nil)
		for i := range want {
			if !close32(c.F[i], want[i], 1e-5) || !close32(c0[i], want[i], 1e-5) {
				t.Fatalf("%dx%dx%d: element %d = %v (pure Go %v), want %v", m, n, k, i, c.F[i], c0[i], want[i])
			}
		}
		// With a bias row, c's old values are never read.
		for i := range c.F {
			c.F[i] = float32(math.NaN())
			want[i] = float32(float64(bias.F[i%n]) + prod[i])
		}
		copy(c0, c.F)
		gemmWith(false, m, n, k, a.F, k, b.F, n, c0, n, bias.F)
		gemm(m, n, k, a.F, k, b.F, n, c.F, n, bias.F)
		for i := range want {
			if !close32(c.F[i], want[i], 1e-5) || !close32(c0[i], want[i], 1e-5) {
				t.Fatalf("%dx%dx%d with bias: element %d = %v, want %v", m, n, k, i, c.F[i], want[i])
			}
		}
	}
}

// naiveConv is a direct convolution (depthwise when dw) for checking.
func naiveConv(x, f *Tensor, sh, sw int, pad string, dw bool) *Tensor {
	h, w, c := x.Shape[1], x.Shape[2], x.Shape[3]
	kh, kw := f.Shape[0], f.Shape[1]
	co := f.Shape[3]
	if dw {
		co = c * f.Shape[3]
	}
	oh, pt, _ := padding(pad, h, kh, sh)
	ow, pl, _ := padding(pad, w, kw, sw)
	out := NewTensor(1, oh, ow, co)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for o := 0; o < co; o++ {
				var s float64
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						iy, ix := oy*sh+ky-pt, ox*sw+kx-pl
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						if dw {
							ci, m := o/f.Shape[3], o%f.Shape[3]
							s += float64(x.F[(iy*w+ix)*c+ci]) * float64(f.F[((ky*kw+kx)*c+ci)*f.Shape[3]+m])
							continue
						}
						for ci := 0; ci < c; ci++ {
							s += float64(x.F[(iy*w+ix)*c+ci]) * float64(f.F[((ky*kw+kx)*c+ci)*co+o])
						}
					}
				}
				out.F[(oy*ow+ox)*co+o] = float32(s)
			}
		}
	}
	return out
}

func TestConvMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		h, w, cin, kh, kw, cout, s int
		pad                        string
		dw                         bool
	}{
		{7, 9, 3, 3, 3, 5, 1, "SAME", false}, {8, 8, 4, 3, 3, 17, 2, "SAME", false}, {9, 6, 2, 3, 3, 8, 2, "VALID", false},
		{5, 5, 16, 1, 1, 24, 1, "SAME", false}, {10, 7, 12, 3, 3, 1, 1, "SAME", true}, {9, 9, 9, 5, 5, 1, 2, "SAME", true},
		{6, 6, 3, 3, 3, 2, 1, "VALID", true},
	} {
		x, f := randTensor(r, 1, c.h, c.w, c.cin), randTensor(r, c.kh, c.kw, c.cin, c.cout)
		want := naiveConv(x, f, c.s, c.s, c.pad, c.dw)
		var got *Tensor
		var err error
		if c.dw {
			got, err = depthwiseConv2D(nil, x, f, nil, nil, c.s, c.s, padSpec{mode: c.pad}, actNone())
		} else {
			got, err = conv2D(newArena(), x, f, nil, nil, c.s, c.s, padSpec{mode: c.pad}, actNone())
		}
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if !sameShape(got.Shape, want.Shape) {
			t.Fatalf("%+v: shape %v, want %v", c, got.Shape, want.Shape)
		}
		for i := range want.F {
			if !close32(got.F[i], want.F[i], 1e-5) {
				t.Fatalf("%+v: element %d = %v, want %v", c, i, got.F[i], want.F[i])
			}
		}
	}
}

func TestFloat16(t *testing.T) {
	for h, want := range map[uint16]float32{0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 5.9604645e-08, 0x8000: 0, 0x3555: 0.33325195} {
		if got := float16(h); got != want {
			t.Errorf("float16(%#x) = %v, want %v", h, got, want)
		}
	}
	if !math.IsNaN(float64(float16(0x7e00))) || !math.IsInf(float64(float16(0xfc00)), -1) {
		t.Error("NaN or -Inf half decoded wrong")
	}
}

// tinyModel writes a graph model: 4×4×2 input, a 3×3 conv to 3 channels
// with bias, a uint8-quantized Mul by a per-channel constant, a Relu (all
// three fused into the convolution).
func tinyModel(t *testing.T, edit func(js string, bin []byte) (string, []byte)) string {
	t.Helper()
	js := `{"format":"graph-model","modelTopology":{"node":[
 {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"1"},{"size":"4"},{"size":"4"},{"size":"2"}]}}}},
 {"name":"w","op":"Const"},{"name":"b","op":"Const"},{"name":"q","op":"Const"},
 {"name":"conv","op":"_FusedConv2D","input":["x","w","b"],"attr":{"strides":{"list":{"i":["1","1","1","1"]}},"padding":{"s":"U0FNRQ=="},"fused_ops":{"list":{"s":["Qmlhc0FkZA=="]}}}},
 {"name":"mul","op":"Mul","input":["conv","q"]},
 {"name":"relu","op":"Relu","input":["mul"]},
 {"name":"out","op":"Identity","input":["relu"]}]},
 "weightsManifest":[{"paths":["m.bin"],"weights":[{"name":"w","shape":[3,3,2,3],"dtype":"float32"},{"name":"b","shape":[3],"dtype":"float32"},
 {"name":"q","shape":[3],"dtype":"float32","quantization":{"dtype":"uint8","min":-1,"scale":0.5}}]}]}`
	bin := make([]byte, 0, 21*4)
	for i := 0; i < 3*3*2*3+3; i++ {
		bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(float32(i%7)/7-0.3))
	}
	bin = append(bin, 0, 2, 4) // q = -1, 0, 1
	if edit != nil {
		js, bin = edit(js, bin)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	if bin != nil {
		if err := os.WriteFile(filepath.Join(dir, "m.bin"), bin, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "model.json")
}

func TestTinyGraphModel(t *testing.T) {
	g, err := LoadGraphModel(tinyModel(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(rand.New(rand.NewPCG(5, 6)), 1, 4, 4, 2)
	out, err := g.Run(x, "out")
	if err != nil {
		t.Fatal(err)
	}
	w, b := g.weights["w"], g.weights["b"]
	want := naiveConv(x, w, 1, 1, "SAME", false)
	q := []float32{-1, 0, 1}
	for i, v := range want.F {
		v = max((v+b.F[i%3])*q[i%3], 0)
		if !close32(out[0].F[i], v, 1e-5) {
			t.Fatalf("element %d = %v, want %v", i, out[0].F[i], v)
		}
	}
	if _, err := g.Run(x, "mul"); err == nil || !strings.Contains(err.Error(), "fused") {
		t.Errorf("asking for a fused-away node: %v", err)
	}
	if _, err := g.Run(NewTensor(1, 5, 4, 2), "out"); err == nil {
		t.Error("wrong input shape: no error")
	}
}

// TestBadModels: missing or corrupt shards, wrong shapes, NaN weights and
// unknown operators give a clear error at load, never a panic.
func TestBadModels(t *testing.T) {
	for _, c := range []struct {
		name, want string
		edit       func(string, []byte) (string, []byte)
	}{
		{"missing shard", "m.bin", func(js string, _ []byte) (string, []byte) { return js, nil }},
		{"truncated shard", "shards hold 80 bytes, model.json describes 231", func(js string, b []byte) (string, []byte) { return js, b[:80] }},
		{"long shard", "shards hold 239 bytes", func(js string, b []byte) (string, []byte) { return js, append(b, make([]byte, 8)...) }},
		{"NaN weight", "is NaN", func(js string, b []byte) (string, []byte) {
			binary.LittleEndian.PutUint32(b[20:], math.Float32bits(float32(math.NaN())))
			return js, b
		}},
		{"Inf weight", "is +Inf", func(js string, b []byte) (string, []byte) {
			binary.LittleEndian.PutUint32(b[0:], math.Float32bits(float32(math.Inf(1))))
			return js, b
		}},
		{"filter shape does not fit input", "does not fit", func(js string, b []byte) (string, []byte) {
			return strings.Replace(js, `"shape":[3,3,2,3]`, `"shape":[3,1,6,3]`, 1), b
		}},
		{"bias shape", "bias", func(js string, b []byte) (string, []byte) {
			js = strings.Replace(js, `"shape":[3,3,2,3]`, `"shape":[3,3,2,2]`, 1)
			return strings.Replace(js, `{"name":"b","shape":[3]`, `{"name":"b","shape":[9]`, 1), b
		}},
		{"unknown operator", "operator Conv3D is not supported", func(js string, b []byte) (string, []byte) {
			return strings.Replace(js, `"op":"Mul"`, `"op":"Conv3D"`, 1), b
		}},
		{"constant without weight", `constant "q2" has no weight`, func(js string, b []byte) (string, []byte) {
			return strings.Replace(js, `{"name":"q","op":"Const"}`, `{"name":"q","op":"Const"},{"name":"q2","op":"Const"}`, 1), b
		}},
		{"dangling input", `reads "nope"`, func(js string, b []byte) (string, []byte) {
			return strings.Replace(js, `"input":["conv","q"]`, `"input":["conv","nope"]`, 1), b
		}},
		{"shard path escapes", "not a plain file name", func(js string, b []byte) (string, []byte) {
			return strings.Replace(js, `"paths":["m.bin"]`, `"paths":["../m.bin"]`, 1), b
		}},
		{"bad quantization", "unsupported quantization", func(js string, b []byte) (string, []byte) {
			return strings.Replace(js, `"dtype":"uint8"`, `"dtype":"int4"`, 1), b
		}},
		{"not JSON", "model.json", func(js string, b []byte) (string, []byte) { return js[:40], b }},
		{"negative dimension", "bad shape", func(js string, b []byte) (string, []byte) {
			return strings.Replace(js, `"shape":[3]`, `"shape":[-3]`, 1), b
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadGraphModel(tinyModel(t, c.edit))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// TestEpilogue: the fused residual add and clamp (SIMD body and Go tail)
// equal an add then a clamp.
func TestEpilogue(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 7, 8, 13, 40} {
		for _, act := range []activation{actNone(), actRelu(), actRelu6(), {-0.5, 0.25}} {
			out, res := randTensor(r, 1, 1, n, 1), randTensor(r, 1, 1, n, 1)
			for i := range out.F {
				out.F[i] *= 8
			}
			want := make([]float32, n)
			for i := range want {
				want[i] = min(max(out.F[i]+res.F[i], act.lo), act.hi)
			}
			if err := epilogue(out, res, act); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if out.F[i] != want[i] {
					t.Fatalf("n %d act %v: element %d = %v, want %v", n, act, i, out.F[i], want[i])
				}
			}
		}
	}
	if err := epilogue(NewTensor(1, 2, 2, 3), NewTensor(1, 2, 3, 2), actNone()); err == nil {
		t.Error("mismatched residual: no error")
	}
}
