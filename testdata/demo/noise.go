package demo

import "math/rand/v2"

// fbm is fractal value noise: octaves of random lattices, each twice as fine
// and half as strong as the previous one. Values are in [0, 1).
type fbm struct {
	cells  []int       // lattice cells per unit, per octave
	values [][]float64 // (cells+1)² lattice values, per octave
}

func newFBM(r *rand.Rand, cells, octaves int) fbm {
	var n fbm
	for range octaves {
		v := make([]float64, (cells+1)*(cells+1))
		for i := range v {
			v[i] = r.Float64()
		}
		n.cells, n.values = append(n.cells, cells), append(n.values, v)
		cells *= 2
	}
	return n
}

// at samples the noise at x, y in [0, 1].
func (n fbm) at(x, y float64) float64 {
	sum, amp, norm := 0.0, 1.0, 0.0
	for o, c := range n.cells {
		fx, fy := x*float64(c), y*float64(c)
		ix, iy := min(int(fx), c-1), min(int(fy), c-1)
		tx, ty := smooth(fx-float64(ix)), smooth(fy-float64(iy))
		v, row := n.values[o], c+1
		a := v[iy*row+ix] + (v[iy*row+ix+1]-v[iy*row+ix])*tx
		b := v[(iy+1)*row+ix] + (v[(iy+1)*row+ix+1]-v[(iy+1)*row+ix])*tx
		sum += amp * (a + (b-a)*ty)
		norm += amp
		amp /= 2
	}
	return min(sum/norm, 0.999999)
}

func smooth(t float64) float64 { return t * t * (3 - 2*t) }
