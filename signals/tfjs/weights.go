package tfjs

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// ReadWeights reads every weight group's shards from dir and decodes them
// (dequantizing uint8/uint16/float16 to float32). Short or long shards and
// non-finite values are errors: a model that loads is whole.
func ReadWeights(dir string, m *Manifest) (map[string]*Tensor, error) {
	out := map[string]*Tensor{}
	for gi, g := range m.WeightsManifest {
		want := 0
		for _, w := range g.Weights {
			n, err := w.elements()
			if err != nil {
				return nil, err
			}
			per, err := w.storedBytesPer()
			if err != nil {
				return nil, err
			}
			want += n * per
		}
		buf := make([]byte, 0, want)
		for _, p := range g.Paths {
			b, err := os.ReadFile(filepath.Join(dir, p))
			if err != nil {
				return nil, fmt.Errorf("weight shard: %w", err)
			}
			buf = append(buf, b...)
		}
		if len(buf) != want {
			return nil, fmt.Errorf("weight group %d (%s): shards hold %d bytes, model.json describes %d", gi, filepath.Join(dir, g.Paths[0]), len(buf), want)
		}
		off := 0
		for _, w := range g.Weights {
			n, _ := w.elements()
			per, _ := w.storedBytesPer()
			t, err := decodeWeight(w, n, buf[off:off+n*per])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(dir, g.Paths[0]), err)
			}
			out[w.Name] = t
			off += n * per
		}
	}
	return out, nil
}

func decodeWeight(w WeightSpec, n int, b []byte) (*Tensor, error) {
	t := &Tensor{Shape: append([]int{}, w.Shape...)}
	if w.Dtype == "int32" {
		t.I = make([]int32, n)
		for i := range t.I {
			t.I[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return t, nil
	}
	t.F = make([]float32, n)
	q := w.Quantization
	switch {
	case q == nil:
		for i := range t.F {
			t.F[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case q.Dtype == "uint8":
		for i := range t.F {
			t.F[i] = float32(float64(b[i])*q.Scale + q.Min)
		}
	case q.Dtype == "uint16":
		for i := range t.F {
			t.F[i] = float32(float64(binary.LittleEndian.Uint16(b[2*i:]))*q.Scale + q.Min)
		}
	case q.Dtype == "float16":
		for i := range t.F {
			t.F[i] = float16(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
	for i, v := range t.F {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("weight %q: value %d is %v", w.Name, i, v)
		}
	}
	return t, nil
}

// float16 converts an IEEE half to float32.
func float16(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		return math.Float32frombits(sign) + float32(frac)/(1<<24)*sign32(sign)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

func sign32(sign uint32) float32 {
	if sign != 0 {
		return -1
	}
	return 1
}
