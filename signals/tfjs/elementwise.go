package tfjs

import (
	"fmt"
	"math"
)

// broadcastOp applies f elementwise with NumPy/TensorFlow broadcasting.
func broadcastOp(op string, a, b *Tensor, f func(x, y float32) float32) (*Tensor, error) {
	if a.F == nil || b.F == nil {
		return nil, fmt.Errorf("%s: want float inputs", op)
	}
	shape, err := broadcastShape(a.Shape, b.Shape)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := NewTensor(shape...)
	na, nb := len(a.F), len(b.F)
	switch {
	case na == len(out.F) && nb == len(out.F):
		for i := range out.F {
			out.F[i] = f(a.F[i], b.F[i])
		}
	case na == len(out.F) && len(out.F)%nb == 0 && trailingMatch(shape, b.Shape):
		for i := range out.F {
			out.F[i] = f(a.F[i], b.F[i%nb])
		}
	case nb == len(out.F) && len(out.F)%na == 0 && trailingMatch(shape, a.Shape):
		for i := range out.F {
			out.F[i] = f(a.F[i%na], b.F[i])
		}
	default:
		sa, sb := strides(a.Shape, shape), strides(b.Shape, shape)
		idx := make([]int, len(shape))
		for i := range out.F {
			ia, ib := 0, 0
			for d := range idx {
				ia += idx[d] * sa[d]
				ib += idx[d] * sb[d]
			}
			out.F[i] = f(a.F[ia], b.F[ib])
			for d := len(idx) - 1; d >= 0; d-- {
				idx[d]++
				if idx[d] < shape[d] {
					break
				}
				idx[d] = 0
			}
		}
	}
	return out, nil
}

// trailingMatch says the smaller shape equals the tail of the full one
// once its leading ones are dropped, so a flat modulo index broadcasts it.
func trailingMatch(full, small []int) bool {
	s := small
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	if len(s) > len(full) {
		return false
	}
	tail := full[len(full)-len(s):]
	for i := range s {
		if s[i] != tail[i] {
			return false
		}
	}
	return true
}

func broadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// strides of shape s within the broadcast shape full (0 where broadcast).
func strides(s, full []int) []int {
	out := make([]int, len(full))
	step := 1
	for i := len(full) - 1; i >= 0; i-- {
		j := len(s) - len(full) + i
		if j < 0 || s[j] == 1 {
			continue
		}
		out[i] = step
		step *= s[j]
	}
	return out
}

func unary(op string, a *Tensor, f func(float32) float32) (*Tensor, error) {
	if a.F == nil {
		return nil, fmt.Errorf("%s: want a float input", op)
	}
	out := NewTensor(a.Shape...)
	for i, v := range a.F {
		out.F[i] = f(v)
	}
	return out, nil
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// softmax over the last axis.
func softmax(a *Tensor) (*Tensor, error) {
	if a.F == nil || len(a.Shape) == 0 || a.Shape[len(a.Shape)-1] == 0 {
		return nil, fmt.Errorf("Softmax: bad input %v", a.Shape)
	}
	out := NewTensor(a.Shape...)
	n := a.Shape[len(a.Shape)-1]
	for r := 0; r+n <= len(a.F); r += n {
		row, o := a.F[r:r+n], out.F[r:r+n]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		var sum float64
		for i, v := range row {
			e := math.Exp(float64(v - m))
			o[i] = float32(e)
			sum += e
		}
		for i := range o {
			o[i] = float32(float64(o[i]) / sum)
		}
	}
	return out, nil
}

// mean reduces over the given axes (keepDims false).
func mean(a *Tensor, axes []int32) (*Tensor, error) {
	if a.F == nil {
		return nil, fmt.Errorf("Mean: want a float input")
	}
	reduce := make([]bool, len(a.Shape))
	for _, ax := range axes {
		d := int(ax)
		if d < 0 {
			d += len(a.Shape)
		}
		if d < 0 || d >= len(a.Shape) {
			return nil, fmt.Errorf("Mean: axis %d out of range for %v", ax, a.Shape)
		}
		reduce[d] = true
	}
	var shape, full []int
	for d, n := range a.Shape {
		if reduce[d] {
			full = append(full, 1)
		} else {
			shape = append(shape, n)
			full = append(full, n)
		}
	}
	sum := make([]float64, numElements(shape))
	st := strides(full, a.Shape)
	idx := make([]int, len(a.Shape))
	for _, v := range a.F {
		o := 0
		for d := range idx {
			o += idx[d] * st[d]
		}
		sum[o] += float64(v)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < a.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	out := NewTensor(shape...)
	count := float64(len(a.F)) / float64(max(len(sum), 1))
	for i, s := range sum {
		out.F[i] = float32(s / count)
	}
	return out, nil
}

// reshape with one -1 dimension inferred.
func reshape(a *Tensor, shape []int32) (*Tensor, error) {
	out := &Tensor{F: a.F, I: a.I, Shape: make([]int, len(shape))}
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return nil, fmt.Errorf("Reshape: bad shape %v", shape)
		default:
			out.Shape[i] = int(d)
			known *= int(d)
		}
	}
	n := a.Size()
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return nil, fmt.Errorf("Reshape: %v cannot become %v", a.Shape, shape)
		}
		out.Shape[infer] = n / known
	} else if known != n {
		return nil, fmt.Errorf("Reshape: %v cannot become %v", a.Shape, shape)
	}
	return out, nil
}

// pad with zeros; paddings is [rank,2].
func pad(a *Tensor, paddings *Tensor) (*Tensor, error) {
	if a.F == nil || paddings.I == nil || len(paddings.I) != 2*len(a.Shape) {
		return nil, fmt.Errorf("Pad: paddings %v for input %v", paddings.Shape, a.Shape)
	}
	if len(a.Shape) != 4 {
		return nil, fmt.Errorf("Pad: want a 4-D input, got %v", a.Shape)
	}
	p := paddings.I
	for _, v := range p {
		if v < 0 || v > 1<<16 {
			return nil, fmt.Errorf("Pad: bad paddings %v", p)
		}
	}
	shape := make([]int, 4)
	for d := range shape {
		shape[d] = a.Shape[d] + int(p[2*d]) + int(p[2*d+1])
	}
	out := NewTensor(shape...)
	n, h, w, c := a.Shape[0], a.Shape[1], a.Shape[2], a.Shape[3]
	for b := 0; b < n; b++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				src := a.F[((b*h+y)*w+x)*c : ((b*h+y)*w+x+1)*c]
				o := (((b+int(p[0]))*shape[1]+y+int(p[2]))*shape[2]+x+int(p[4]))*shape[3] + int(p[6])
				copy(out.F[o:o+c], src)
			}
		}
	}
	return out, nil
}

// pool is max or average pooling (averages count only the cells inside
// the input, as TensorFlow does).
func pool(x *Tensor, kh, kw, sh, sw int, padMode string, isMax bool) (*Tensor, error) {
	h, w, c, err := x.nhwc("Pool")
	if err != nil {
		return nil, err
	}
	if kh < 1 || kw < 1 || sh < 1 || sw < 1 {
		return nil, fmt.Errorf("Pool: window %dx%d strides %d,%d", kh, kw, sh, sw)
	}
	oh, pt, err := padding(padMode, h, kh, sh)
	if err != nil {
		return nil, fmt.Errorf("Pool: %w", err)
	}
	ow, pl, err := padding(padMode, w, kw, sw)
	if err != nil {
		return nil, fmt.Errorf("Pool: %w", err)
	}
	out := NewTensor(1, oh, ow, c)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			o := out.F[(oy*ow+ox)*c : (oy*ow+ox+1)*c]
			if isMax {
				for i := range o {
					o[i] = float32(math.Inf(-1))
				}
			}
			n := 0
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
					n++
					in := x.F[(iy*w+ix)*c : (iy*w+ix+1)*c]
					in = in[:len(o)]
					if isMax {
						for i, v := range in {
							o[i] = max(o[i], v)
						}
					} else {
						for i, v := range in {
							o[i] += v
						}
					}
				}
			}
			if !isMax && n > 0 {
				for i := range o {
					o[i] /= float32(n)
				}
			}
		}
	}
	return out, nil
}
