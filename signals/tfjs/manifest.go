package tfjs

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
)

// Manifest is a TF.js model.json: the topology (graph or Keras layers) and
// where its weights are in the .bin shards.
type Manifest struct {
	Format          string          `json:"format"`
	GeneratedBy     string          `json:"generatedBy"`
	ModelTopology   json.RawMessage `json:"modelTopology"`
	WeightsManifest []WeightGroup   `json:"weightsManifest"`
}

// WeightGroup is one group of weights stored back to back across its shards.
type WeightGroup struct {
	Paths   []string     `json:"paths"`
	Weights []WeightSpec `json:"weights"`
}

// WeightSpec describes one weight tensor in a group.
type WeightSpec struct {
	Name         string        `json:"name"`
	Shape        []int         `json:"shape"`
	Dtype        string        `json:"dtype"`
	Quantization *Quantization `json:"quantization"`
}

// Quantization says how a float32 weight was stored smaller: uint8/uint16
// as q*scale+min, or float16.
type Quantization struct {
	Dtype string  `json:"dtype"`
	Min   float64 `json:"min"`
	Scale float64 `json:"scale"`
}

// maxWeightElements bounds one tensor (and all of them) so a corrupt
// manifest cannot ask for gigabytes.
const maxWeightElements = 1 << 28

// ParseManifest reads and checks a model.json.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("model.json: %w", err)
	}
	if len(m.ModelTopology) == 0 || string(m.ModelTopology) == "null" {
		return nil, fmt.Errorf("model.json: no modelTopology")
	}
	if len(m.WeightsManifest) == 0 {
		return nil, fmt.Errorf("model.json: no weightsManifest")
	}
	total := 0
	seen := map[string]bool{}
	for gi, g := range m.WeightsManifest {
		if len(g.Paths) == 0 {
			return nil, fmt.Errorf("model.json: weight group %d has no shard paths", gi)
		}
		for _, p := range g.Paths {
			if p == "" || len(p) > 200 || p != filepath.Base(p) || strings.HasPrefix(p, ".") || strings.ContainsAny(p, `/\`) {
				return nil, fmt.Errorf("model.json: weight group %d: shard path %q is not a plain file name", gi, p)
			}
		}
		for _, w := range g.Weights {
			if w.Name == "" {
				return nil, fmt.Errorf("model.json: weight group %d has a weight without a name", gi)
			}
			if seen[w.Name] {
				return nil, fmt.Errorf("model.json: weight %q listed twice", w.Name)
			}
			seen[w.Name] = true
			n, err := w.elements()
			if err != nil {
				return nil, err
			}
			total += n
			if total > maxWeightElements {
				return nil, fmt.Errorf("model.json: more than %d weight values", maxWeightElements)
			}
			if _, err := w.storedBytesPer(); err != nil {
				return nil, err
			}
		}
	}
	return &m, nil
}

func (w WeightSpec) elements() (int, error) {
	if len(w.Shape) > 8 {
		return 0, fmt.Errorf("weight %q: %d dimensions", w.Name, len(w.Shape))
	}
	n := 1
	for _, d := range w.Shape {
		if d < 0 || d > maxWeightElements {
			return 0, fmt.Errorf("weight %q: bad shape %v", w.Name, w.Shape)
		}
		n *= d
		if n > maxWeightElements {
			return 0, fmt.Errorf("weight %q: shape %v too large", w.Name, w.Shape)
		}
	}
	return n, nil
}

// storedBytesPer is the bytes one value takes in the shard.
func (w WeightSpec) storedBytesPer() (int, error) {
	switch w.Dtype {
	case "float32":
		if w.Quantization == nil {
			return 4, nil
		}
		switch w.Quantization.Dtype {
		case "uint8":
			return 1, w.Quantization.check(w.Name)
		case "uint16", "float16":
			return 2, w.Quantization.check(w.Name)
		}
		return 0, fmt.Errorf("weight %q: unsupported quantization %q", w.Name, w.Quantization.Dtype)
	case "int32":
		if w.Quantization != nil {
			return 0, fmt.Errorf("weight %q: quantized int32 is not supported", w.Name)
		}
		return 4, nil
	}
	return 0, fmt.Errorf("weight %q: unsupported dtype %q", w.Name, w.Dtype)
}

func (q *Quantization) check(name string) error {
	if math.IsNaN(q.Min) || math.IsInf(q.Min, 0) || math.IsNaN(q.Scale) || math.IsInf(q.Scale, 0) {
		return fmt.Errorf("weight %q: quantization min/scale not finite", name)
	}
	return nil
}
