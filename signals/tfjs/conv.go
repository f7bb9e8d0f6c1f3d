package tfjs

import (
	"fmt"
	"math"
)

// padSpec is TensorFlow's SAME or VALID padding, or explicit zero rows and
// columns (a ZeroPadding2D folded into the convolution after it).
type padSpec struct {
	mode                     string
	top, bottom, left, right int
}

// dims works out the output size and leading pad of both spatial
// dimensions.
func (p padSpec) dims(h, w, kh, kw, sh, sw int) (oh, ow, pt, pl int, err error) {
	if p.mode == "EXPLICIT" {
		hp, wp := h+p.top+p.bottom, w+p.left+p.right
		if hp < kh || wp < kw {
			return 0, 0, 0, 0, fmt.Errorf("padded input %dx%d smaller than kernel %dx%d", hp, wp, kh, kw)
		}
		return (hp-kh)/sh + 1, (wp-kw)/sw + 1, p.top, p.left, nil
	}
	if oh, pt, err = padding(p.mode, h, kh, sh); err != nil {
		return
	}
	ow, pl, err = padding(p.mode, w, kw, sw)
	return
}

// padding works out TensorFlow's SAME/VALID output size and leading pad
// for one spatial dimension.
func padding(mode string, in, k, stride int) (out, before int, err error) {
	switch mode {
	case "SAME", "same":
		out = (in + stride - 1) / stride
		total := max((out-1)*stride+k-in, 0)
		return out, total / 2, nil
	case "VALID", "valid":
		if in < k {
			return 0, 0, fmt.Errorf("input %d smaller than kernel %d with VALID padding", in, k)
		}
		return (in-k)/stride + 1, 0, nil
	}
	return 0, 0, fmt.Errorf("unsupported padding %q", mode)
}

// activation is the clamp a fused op applies last: Relu is [0,+inf),
// Relu6 and Keras's ReLU(max_value=6) [0,6], a chain of Maximum/Minimum
// against constants any [lo,hi].
type activation struct{ lo, hi float32 }

func actNone() activation  { return activation{float32(math.Inf(-1)), float32(math.Inf(1))} }
func actRelu() activation  { return activation{0, float32(math.Inf(1))} }
func actRelu6() activation { return activation{0, 6} }

func (a activation) none() bool { return math.IsInf(float64(a.lo), -1) && math.IsInf(float64(a.hi), 1) }

// then is this clamp followed by max(x,c) (isMax) or min(x,c).
func (a activation) then(c float32, isMax bool) activation {
	if isMax {
		return activation{max(a.lo, c), max(a.hi, c)}
	}
	return activation{min(a.lo, c), min(a.hi, c)}
}

func (a activation) apply(v []float32) {
	if a.none() {
		return
	}
	clampAll(v, a.lo, a.hi)
}

// epilogue adds the residual (a fused Add of another branch) and clamps.
func epilogue(out, residual *Tensor, act activation) error {
	if residual != nil {
		if residual.F == nil || !sameShape(residual.Shape, out.Shape) {
			return fmt.Errorf("residual %v does not match output %v", residual.Shape, out.Shape)
		}
		r := residual.F[:len(out.F)]
		i := 0
		if useSIMD && len(r) >= 8 {
			// Add and clamp in one pass (no clamp: ±Inf bounds).
			i = len(r) &^ 7
			addClampVec(&out.F[0], &r[0], i, act.lo, act.hi)
		}
		for ; i < len(r); i++ {
			out.F[i] = min(max(out.F[i]+r[i], act.lo), act.hi)
		}
		return nil
	}
	act.apply(out.F)
	return nil
}

// conv2D is a 2-D convolution (filter [kh,kw,cin,cout]) with optional
// bias and activation, by im2col and gemm; a 1×1 stride-1 conv multiplies
// the input directly.
func conv2D(ar *arena, x, filter, bias, residual *Tensor, sh, sw int, pad padSpec, act activation) (*Tensor, error) {
	h, w, c, err := x.nhwc("Conv2D")
	if err != nil {
		return nil, err
	}
	if len(filter.Shape) != 4 || filter.Shape[2] != c || filter.F == nil {
		return nil, fmt.Errorf("Conv2D: filter %v does not fit input %v", filter.Shape, x.Shape)
	}
	kh, kw, co := filter.Shape[0], filter.Shape[1], filter.Shape[3]
	if bias != nil && (bias.F == nil || bias.Size() != co) {
		return nil, fmt.Errorf("Conv2D: bias %v for %d output channels", bias.Shape, co)
	}
	if sh < 1 || sw < 1 {
		return nil, fmt.Errorf("Conv2D: strides %d,%d", sh, sw)
	}
	oh, ow, pt, pl, err := pad.dims(h, w, kh, kw, sh, sw)
	if err != nil {
		return nil, fmt.Errorf("Conv2D: %w", err)
	}
	// With a bias the GEMM writes every output without reading it.
	out := ar.tensor(bias == nil, 1, oh, ow, co)
	var b []float32
	if bias != nil {
		b = bias.F
	}
	K := kh * kw * c
	if kh == 1 && kw == 1 && sh == 1 && sw == 1 {
		gemm(oh*ow, co, K, x.F, K, filter.F, co, out.F, co, b)
	} else {
		cols := im2col(ar, x.F, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow)
		gemm(oh*ow, co, K, cols, K, filter.F, co, out.F, co, b)
		ar.done(cols)
	}
	if err := epilogue(out, residual, act); err != nil {
		return nil, fmt.Errorf("Conv2D: %w", err)
	}
	return out, nil
}

// im2col lays out each output position's receptive field as one row
// (kh·kw·c values, zero where it falls in the padding).
func im2col(ar *arena, x []float32, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow int) []float32 {
	K := kh * kw * c
	cols := ar.floats(oh*ow*K, true)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			row := cols[(oy*ow+ox)*K:]
			for ky := 0; ky < kh; ky++ {
				iy := oy*sh + ky - pt
				if iy < 0 || iy >= h {
					continue
				}
				for kx := 0; kx < kw; kx++ {
					ix := ox*sw + kx - pl
					if ix < 0 || ix >= w {
						continue
					}
					dst, src := row[(ky*kw+kx)*c:(ky*kw+kx+1)*c], x[(iy*w+ix)*c:(iy*w+ix+1)*c]
					if c <= 4 { // a first layer's RGB: a memmove call costs more than the copy
						for i := range dst {
							dst[i] = src[i]
						}
					} else {
						copy(dst, src)
					}
				}
			}
		}
	}
	return cols
}

// depthwiseConv2D convolves each channel with its own kh×kw filters
// (filter [kh,kw,c,mult]), output channel ci*mult+m.
func depthwiseConv2D(ar *arena, x, filter, bias, residual *Tensor, sh, sw int, pad padSpec, act activation) (*Tensor, error) {
	h, w, c, err := x.nhwc("DepthwiseConv2dNative")
	if err != nil {
		return nil, err
	}
	if len(filter.Shape) != 4 || filter.Shape[2] != c || filter.F == nil {
		return nil, fmt.Errorf("DepthwiseConv2dNative: filter %v does not fit input %v", filter.Shape, x.Shape)
	}
	kh, kw, mult := filter.Shape[0], filter.Shape[1], filter.Shape[3]
	co := c * mult
	if bias != nil && (bias.F == nil || bias.Size() != co) {
		return nil, fmt.Errorf("DepthwiseConv2dNative: bias %v for %d channels", bias.Shape, co)
	}
	if sh < 1 || sw < 1 {
		return nil, fmt.Errorf("DepthwiseConv2dNative: strides %d,%d", sh, sw)
	}
	oh, ow, pt, pl, err := pad.dims(h, w, kh, kw, sh, sw)
	if err != nil {
		return nil, fmt.Errorf("DepthwiseConv2dNative: %w", err)
	}
	out := ar.tensor(bias == nil, 1, oh, ow, co)
	if mult != 1 {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				o := out.F[(oy*ow+ox)*co : (oy*ow+ox+1)*co]
				if bias != nil {
					copy(o, bias.F)
				}
				for ky := 0; ky < kh; ky++ {
					iy := oy*sh + ky - pt
					if iy < 0 || iy >= h {
						continue
					}
					for kx := 0; kx < kw; kx++ {
						ix := ox*sw + kx - pl
						if ix < 0 || ix >= w {
							continue
						}
						in := x.F[(iy*w+ix)*c:]
						f := filter.F[(ky*kw+kx)*co:]
						for ci := 0; ci < c; ci++ {
							for m := 0; m < mult; m++ {
								o[ci*mult+m] += in[ci] * f[ci*mult+m]
							}
						}
					}
				}
			}
		}
		if err := epilogue(out, residual, act); err != nil {
			return nil, fmt.Errorf("DepthwiseConv2dNative: %w", err)
		}
		return out, nil
	}
	if bias != nil {
		fillRepeat(out.F, bias.F)
	}
	if useSIMD && c >= 8 {
		depthwiseRows(out.F, x.F, filter.F, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow)
		if err := epilogue(out, residual, act); err != nil {
			return nil, fmt.Errorf("DepthwiseConv2dNative: %w", err)
		}
		return out, nil
	}
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			o := out.F[(oy*ow+ox)*c : (oy*ow+ox+1)*c]
			for ky := 0; ky < kh; ky++ {
				iy := oy*sh + ky - pt
				if iy < 0 || iy >= h {
					continue
				}
				for kx := 0; kx < kw; kx++ {
					ix := ox*sw + kx - pl
					if ix < 0 || ix >= w {
						continue
					}
					mulAdd(o, x.F[(iy*w+ix)*c:(iy*w+ix+1)*c], filter.F[(ky*kw+kx)*c:(ky*kw+kx+1)*c])
				}
			}
		}
	}
	if err := epilogue(out, residual, act); err != nil {
		return nil, fmt.Errorf("DepthwiseConv2dNative: %w", err)
	}
	return out, nil
}

// matMul is [m,k]·[k,n] plus an optional bias and activation.
func matMul(a, b, bias *Tensor, act activation) (*Tensor, error) {
	if len(a.Shape) != 2 || len(b.Shape) != 2 || a.Shape[1] != b.Shape[0] || a.F == nil || b.F == nil {
		return nil, fmt.Errorf("MatMul: shapes %v and %v do not multiply", a.Shape, b.Shape)
	}
	m, k, n := a.Shape[0], a.Shape[1], b.Shape[1]
	if bias != nil && (bias.F == nil || bias.Size() != n) {
		return nil, fmt.Errorf("MatMul: bias %v for %d columns", bias.Shape, n)
	}
	out := NewTensor(m, n)
	var bf []float32
	if bias != nil {
		bf = bias.F
	}
	gemm(m, n, k, a.F, k, b.F, n, out.F, n, bf)
	act.apply(out.F)
	return out, nil
}

// depthwiseRows is the depthwise convolution (multiplier 1) tap by tap
// along whole output rows, so the SIMD kernel runs long loops: for a tap
// (ky,kx) the output pixels whose input falls inside the picture form one
// run, read from the input every sw pixels. Channels past the last
// multiple of 8 are done in Go.
func depthwiseRows(out, x, f []float32, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow int) {
	c8 := c &^ 7
	for oy := 0; oy < oh; oy++ {
		for ky := 0; ky < kh; ky++ {
			iy := oy*sh + ky - pt
			if iy < 0 || iy >= h {
				continue
			}
			for kx := 0; kx < kw; kx++ {
				// ix = ox*sw + kx - pl must lie in [0, w).
				lo := 0
				if d := pl - kx; d > 0 {
					lo = (d + sw - 1) / sw
				}
				hi := ow - 1
				if m := w - 1 - kx + pl; m < 0 {
					continue
				} else {
					hi = min(hi, m/sw)
				}
				if lo > hi {
					continue
				}
				n := hi - lo + 1
				ix := lo*sw + kx - pl
				o := out[(oy*ow+lo)*c:]
				in := x[(iy*w+ix)*c:]
				tap := f[(ky*kw+kx)*c : (ky*kw+kx+1)*c]
				// Bounds: the last pixel's channels lie inside both.
				_ = o[(n-1)*c+c-1]
				_ = in[(n-1)*sw*c+c-1]
				dwRow(&o[0], &in[0], &tap[0], n, c, c8, sw*c)
				if c8 == c {
					continue
				}
				for p := 0; p < n; p++ {
					op, ip := o[p*c:p*c+c], in[p*sw*c:p*sw*c+c]
					for j := c8; j < c; j++ {
						op[j] += ip[j] * tap[j]
					}
				}
			}
		}
	}
}

// fillRepeat fills dst with copies of pattern, doubling each copy so a
// small pattern costs a few large moves instead of one per pixel.
func fillRepeat(dst, pattern []float32) {
	n := copy(dst, pattern)
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}
