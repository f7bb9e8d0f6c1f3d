package tfjs

import "fmt"

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

// activation is what a fused op applies after the bias.
type activation int

const (
	actNone activation = iota
	actRelu
	actRelu6
)

func (a activation) apply(v []float32) {
	switch a {
	case actRelu:
		for i, x := range v {
			if x < 0 {
				v[i] = 0
			}
		}
	case actRelu6:
		for i, x := range v {
			v[i] = min(max(x, 0), 6)
		}
	}
}

// conv2D is a 2-D convolution (filter [kh,kw,cin,cout]) with optional
// bias and activation, by im2col and gemm; a 1×1 stride-1 conv multiplies
// the input directly.
func conv2D(x, filter, bias *Tensor, sh, sw int, pad string, act activation) (*Tensor, error) {
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
	oh, pt, err := padding(pad, h, kh, sh)
	if err != nil {
		return nil, fmt.Errorf("Conv2D: %w", err)
	}
	ow, pl, err := padding(pad, w, kw, sw)
	if err != nil {
		return nil, fmt.Errorf("Conv2D: %w", err)
	}
	out := NewTensor(1, oh, ow, co)
	if bias != nil {
		for i := 0; i < oh*ow; i++ {
			copy(out.F[i*co:(i+1)*co], bias.F)
		}
	}
	K := kh * kw * c
	var cols []float32
	if kh == 1 && kw == 1 && sh == 1 && sw == 1 {
		cols = x.F
	} else {
		cols = im2col(x.F, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow)
	}
	gemm(oh*ow, co, K, cols, K, filter.F, co, out.F, co)
	act.apply(out.F)
	return out, nil
}

// im2col lays out each output position's receptive field as one row
// (kh·kw·c values, zero where it falls in the padding).
func im2col(x []float32, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow int) []float32 {
	K := kh * kw * c
	cols := make([]float32, oh*ow*K)
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
					copy(row[(ky*kw+kx)*c:(ky*kw+kx+1)*c], x[(iy*w+ix)*c:])
				}
			}
		}
	}
	return cols
}

// depthwiseConv2D convolves each channel with its own kh×kw filters
// (filter [kh,kw,c,mult]), output channel ci*mult+m.
func depthwiseConv2D(x, filter, bias *Tensor, sh, sw int, pad string, act activation) (*Tensor, error) {
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
	oh, pt, err := padding(pad, h, kh, sh)
	if err != nil {
		return nil, fmt.Errorf("DepthwiseConv2dNative: %w", err)
	}
	ow, pl, err := padding(pad, w, kw, sw)
	if err != nil {
		return nil, fmt.Errorf("DepthwiseConv2dNative: %w", err)
	}
	out := NewTensor(1, oh, ow, co)
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
		act.apply(out.F)
		return out, nil
	}
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			o := out.F[(oy*ow+ox)*c : (oy*ow+ox+1)*c]
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
					in := x.F[(iy*w+ix)*c : (iy*w+ix+1)*c]
					f := filter.F[(ky*kw+kx)*c : (ky*kw+kx+1)*c]
					f = f[:len(o)]
					in = in[:len(o)]
					for ci := range o {
						o[ci] += in[ci] * f[ci]
					}
				}
			}
		}
	}
	act.apply(out.F)
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
	if bias != nil {
		for i := 0; i < m; i++ {
			copy(out.F[i*n:(i+1)*n], bias.F)
		}
	}
	gemm(m, n, k, a.F, k, b.F, n, out.F, n)
	act.apply(out.F)
	return out, nil
}
