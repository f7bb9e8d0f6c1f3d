package tfjs

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// LayersModel is a TF.js layers model (a Keras functional model). Batch
// normalisations are turned into a per-channel scale and shift at load.
type LayersModel struct {
	arenas  arenaPool
	layers  []*layer // in execution order
	input   string
	output  string
	inShape []int
}

type layer struct {
	Name      string          `json:"name"`
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
	Inbound   json.RawMessage `json:"inbound_nodes"`
	inputs    []string
	kernel    *Tensor
	bias      *Tensor
	scale     []float32 // BatchNormalization
	shift     []float32
	act       activation
	softmax   bool
	sh, sw    int
	kh, kw    int
	padMode   string
	pads      [4]int32 // ZeroPadding2D top, bottom, left, right
	residual  string   // a fused Add of another branch (read as the last input)
	explicit  bool     // pads (a folded ZeroPadding2D) replace padMode
}

func (l *layer) pad() padSpec {
	if l.explicit {
		return padSpec{"EXPLICIT", int(l.pads[0]), int(l.pads[1]), int(l.pads[2]), int(l.pads[3])}
	}
	return padSpec{mode: l.padMode}
}

func (l *layer) residualOf(args []*Tensor) *Tensor {
	if l.residual == "" {
		return nil
	}
	return args[len(args)-1]

}

type layerConfig struct {
	Activation string          `json:"activation"`
	UseBias    *bool           `json:"use_bias"`
	Strides    []int           `json:"strides"`
	KernelSize []int           `json:"kernel_size"`
	PoolSize   []int           `json:"pool_size"`
	Padding    json.RawMessage `json:"padding"`
	Epsilon    float64         `json:"epsilon"`
	MaxValue   *float64        `json:"max_value"`
	Negative   float64         `json:"negative_slope"`
	Threshold  float64         `json:"threshold"`
	Center     *bool           `json:"center"`
	Scale      *bool           `json:"scale"`
	Axis       json.RawMessage `json:"axis"`
	DataFormat string          `json:"data_format"`
	Dilation   []int           `json:"dilation_rate"`
	Depth      int             `json:"depth_multiplier"`
	BatchShape []*int          `json:"batch_input_shape"`
}

// LoadLayersModel reads a Keras-style model.json and its shards.
func LoadLayersModel(path string) (*LayersModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("layers model: %w", err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Format != "" && m.Format != "layers-model" {
		return nil, fmt.Errorf("%s: format %q is not a layers model", path, m.Format)
	}
	var topo struct {
		ModelConfig struct {
			ClassName string `json:"class_name"`
			Config    struct {
				Layers       []*layer            `json:"layers"`
				InputLayers  [][]json.RawMessage `json:"input_layers"`
				OutputLayers [][]json.RawMessage `json:"output_layers"`
			} `json:"config"`
		} `json:"model_config"`
	}
	if err := json.Unmarshal(m.ModelTopology, &topo); err != nil {
		return nil, fmt.Errorf("%s: modelTopology: %w", path, err)
	}
	w, err := ReadWeights(filepath.Dir(path), m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg := topo.ModelConfig.Config
	if len(cfg.InputLayers) != 1 || len(cfg.OutputLayers) != 1 || len(cfg.InputLayers[0]) == 0 || len(cfg.OutputLayers[0]) == 0 {
		return nil, fmt.Errorf("%s: want one input and one output layer", path)
	}
	lm := &LayersModel{}
	if err := json.Unmarshal(cfg.InputLayers[0][0], &lm.input); err != nil {
		return nil, fmt.Errorf("%s: input_layers: %w", path, err)
	}
	if err := json.Unmarshal(cfg.OutputLayers[0][0], &lm.output); err != nil {
		return nil, fmt.Errorf("%s: output_layers: %w", path, err)
	}
	known := map[string]bool{}
	for _, l := range cfg.Layers {
		if l == nil {
			return nil, fmt.Errorf("%s: empty layer", path)
		}
		if err := l.prepare(w, known); err != nil {
			return nil, fmt.Errorf("%s: layer %q (%s): %w", path, l.Name, l.ClassName, err)
		}
		if l.ClassName == "InputLayer" && l.Name == lm.input {
			var c layerConfig
			_ = json.Unmarshal(l.Config, &c)
			for _, d := range c.BatchShape {
				if d == nil {
					lm.inShape = append(lm.inShape, -1)
				} else {
					lm.inShape = append(lm.inShape, *d)
				}
			}
		}
		known[l.Name] = true
		lm.layers = append(lm.layers, l)
	}
	if !known[lm.input] || !known[lm.output] {
		return nil, fmt.Errorf("%s: input %q or output %q is not a layer", path, lm.input, lm.output)
	}
	lm.fuse()
	if _, err := lm.Run(zeros(lm.inShape)); err != nil {
		return nil, fmt.Errorf("%s: trial run: %w", path, err)
	}
	return lm, nil
}

// InputShape is the declared input shape (-1 for any batch).
func (lm *LayersModel) InputShape() []int { return append([]int(nil), lm.inShape...) }

// prepare parses a layer's config and takes its weights. Layers come in
// an order where every input is defined before it is read.
func (l *layer) prepare(w map[string]*Tensor, known map[string]bool) error {
	var inbound [][][]json.RawMessage
	if len(l.Inbound) > 0 {
		if err := json.Unmarshal(l.Inbound, &inbound); err != nil {
			return fmt.Errorf("inbound_nodes: %w", err)
		}
	}
	if len(inbound) > 1 {
		return fmt.Errorf("shared layers are not supported")
	}
	for _, nodes := range inbound {
		for _, in := range nodes {
			var name string
			if len(in) == 0 || json.Unmarshal(in[0], &name) != nil {
				return fmt.Errorf("bad inbound node")
			}
			if !known[name] {
				return fmt.Errorf("reads %q before it is defined", name)
			}
			l.inputs = append(l.inputs, name)
		}
	}
	var c layerConfig
	if err := json.Unmarshal(l.Config, &c); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if c.DataFormat != "" && c.DataFormat != "channels_last" {
		return fmt.Errorf("data format %s is not supported", c.DataFormat)
	}
	for _, d := range c.Dilation {
		if d != 1 {
			return fmt.Errorf("dilation %v is not supported", c.Dilation)
		}
	}
	weight := func(suffix string, shape ...int) (*Tensor, error) {
		t := w[l.Name+"/"+suffix]
		if t == nil || t.F == nil {
			return nil, fmt.Errorf("weight %s/%s missing", l.Name, suffix)
		}
		if len(shape) > 0 && !sameShape(t.Shape, shape) {
			return nil, fmt.Errorf("weight %s/%s has shape %v, want %v", l.Name, suffix, t.Shape, shape)
		}
		return t, nil
	}
	wantInputs := 1
	var err error
	l.act = actNone()
	switch l.ClassName {
	case "InputLayer":
		wantInputs = 0
	case "Dropout", "Flatten":
	case "Add":
		wantInputs = len(l.inputs)
		if wantInputs < 2 {
			return fmt.Errorf("needs two inputs or more")
		}
	case "ReLU":
		if c.Negative != 0 || c.Threshold != 0 {
			return fmt.Errorf("leaky or thresholded ReLU is not supported")
		}
		l.act = actRelu()
		if c.MaxValue != nil {
			if *c.MaxValue != 6 {
				return fmt.Errorf("ReLU max_value %v is not supported", *c.MaxValue)
			}
			l.act = actRelu6()
		}
	case "ZeroPadding2D":
		var p [][2]int32
		if err := json.Unmarshal(c.Padding, &p); err != nil || len(p) != 2 {
			return fmt.Errorf("padding %s is not [[t,b],[l,r]]", c.Padding)
		}
		l.pads = [4]int32{p[0][0], p[0][1], p[1][0], p[1][1]}
	case "Conv2D", "DepthwiseConv2D", "AveragePooling2D", "MaxPooling2D":
		if err := json.Unmarshal(c.Padding, &l.padMode); err != nil {
			return fmt.Errorf("padding %s: %w", c.Padding, err)
		}
		if len(c.Strides) != 2 {
			return fmt.Errorf("strides %v", c.Strides)
		}
		l.sh, l.sw = c.Strides[0], c.Strides[1]
		if l.ClassName == "AveragePooling2D" || l.ClassName == "MaxPooling2D" {
			if len(c.PoolSize) != 2 {
				return fmt.Errorf("pool size %v", c.PoolSize)
			}
			l.kh, l.kw = c.PoolSize[0], c.PoolSize[1]
			break
		}
		if len(c.KernelSize) != 2 {
			return fmt.Errorf("kernel size %v", c.KernelSize)
		}
		if l.ClassName == "Conv2D" {
			l.kernel, err = weight("kernel")
		} else {
			l.kernel, err = weight("depthwise_kernel")
		}
		if err != nil {
			return err
		}
		if len(l.kernel.Shape) != 4 || l.kernel.Shape[0] != c.KernelSize[0] || l.kernel.Shape[1] != c.KernelSize[1] {
			return fmt.Errorf("kernel shape %v does not match kernel size %v", l.kernel.Shape, c.KernelSize)
		}
		outChannels := l.kernel.Shape[3]
		if l.ClassName == "DepthwiseConv2D" {
			outChannels *= l.kernel.Shape[2]
		}
		if err := l.takeBias(c, w, weight, outChannels); err != nil {
			return err
		}
	case "Dense":
		if l.kernel, err = weight("kernel"); err != nil {
			return err
		}
		if len(l.kernel.Shape) != 2 {
			return fmt.Errorf("kernel shape %v is not 2-D", l.kernel.Shape)
		}
		if err := l.takeBias(c, w, weight, l.kernel.Shape[1]); err != nil {
			return err
		}
	case "BatchNormalization":
		var axis int
		if json.Unmarshal(c.Axis, &axis) != nil || (axis != -1 && axis != 3) {
			return fmt.Errorf("axis %s is not the channel axis", c.Axis)
		}
		mean, err := weight("moving_mean")
		if err != nil {
			return err
		}
		n := mean.Size()
		variance, err := weight("moving_variance", n)
		if err != nil {
			return err
		}
		l.scale, l.shift = make([]float32, n), make([]float32, n)
		var gamma, beta *Tensor
		if c.Scale == nil || *c.Scale {
			if gamma, err = weight("gamma", n); err != nil {
				return err
			}
		}
		if c.Center == nil || *c.Center {
			if beta, err = weight("beta", n); err != nil {
				return err
			}
		}
		for i := 0; i < n; i++ {
			if variance.F[i] < 0 {
				return fmt.Errorf("negative moving variance")
			}
			s := 1 / math.Sqrt(float64(variance.F[i])+c.Epsilon)
			if gamma != nil {
				s *= float64(gamma.F[i])
			}
			l.scale[i] = float32(s)
			l.shift[i] = float32(-float64(mean.F[i]) * s)
			if beta != nil {
				l.shift[i] += beta.F[i]
			}
		}
	default:
		return fmt.Errorf("layer class %s is not supported", l.ClassName)
	}
	if len(l.inputs) != wantInputs {
		return fmt.Errorf("has %d inputs, want %d", len(l.inputs), wantInputs)
	}
	switch c.Activation {
	case "", "linear":
	case "relu":
		l.act = actRelu()
	case "relu6":
		l.act = actRelu6()
	case "softmax":
		l.softmax = true
	default:
		return fmt.Errorf("activation %q is not supported", c.Activation)
	}
	return nil
}

// takeBias takes the layer's bias when use_bias says so (or, unsaid, when
// the shards hold one).
func (l *layer) takeBias(c layerConfig, w map[string]*Tensor, weight func(string, ...int) (*Tensor, error), n int) error {
	if c.UseBias != nil && !*c.UseBias {
		return nil
	}
	if c.UseBias == nil && w[l.Name+"/bias"] == nil {
		return nil
	}
	b, err := weight("bias", n)
	l.bias = b
	return err
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Run feeds x through the model and returns its output.
func (lm *LayersModel) Run(x *Tensor) (out *Tensor, err error) {
	defer func() {
		if r := recover(); r != nil { // a bug or a shape no check caught: an error, never a crash
			out, err = nil, fmt.Errorf("layers model: %v", r)
		}
	}()
	if len(lm.inShape) != len(x.Shape) {
		return nil, fmt.Errorf("layers model: input %v, model wants %v", x.Shape, lm.inShape)
	}
	for i, d := range lm.inShape {
		if d > 0 && d != x.Shape[i] {
			return nil, fmt.Errorf("layers model: input %v, model wants %v", x.Shape, lm.inShape)
		}
	}
	uses := map[string]int{lm.output: 1}
	for _, l := range lm.layers {
		for _, in := range l.inputs {
			uses[in]++
		}
	}
	ar := lm.arenas.get()
	defer lm.arenas.put(ar)
	vals := map[string]*Tensor{}
	for _, l := range lm.layers {
		args := make([]*Tensor, len(l.inputs))
		for i, in := range l.inputs {
			args[i] = vals[in]
			if args[i] == nil {
				return nil, fmt.Errorf("layers model: layer %q reads %q, which has no value", l.Name, in)
			}
		}
		var t *Tensor
		var err error
		if l.Name == lm.input {
			t = x
		} else {
			t, err = l.exec(ar, args)
			if err != nil {
				return nil, fmt.Errorf("layers model: layer %q (%s): %w", l.Name, l.ClassName, err)
			}
		}
		vals[l.Name] = t
		ar.hold(t)
		for _, in := range l.inputs {
			if uses[in]--; uses[in] == 0 {
				ar.release(vals[in])
				delete(vals, in)
			}
		}
	}
	return vals[lm.output], nil
}

func (l *layer) exec(ar *arena, args []*Tensor) (*Tensor, error) {
	var t *Tensor
	var err error
	switch l.ClassName {
	case "Dropout", "_Alias":
		return args[0], nil
	case "Flatten":
		return reshape(args[0], []int32{int32(args[0].Shape[0]), -1})
	case "Add":
		t = args[0]
		for _, a := range args[1:] {
			if t, err = broadcastOp("Add", t, a, func(x, y float32) float32 { return x + y }); err != nil {
				return nil, err
			}
		}
		return t, nil
	case "ReLU":
		t, err = unary("ReLU", args[0], func(v float32) float32 { return v })
		if err == nil {
			l.act.apply(t.F)
		}
		return t, err
	case "ZeroPadding2D":
		p := &Tensor{Shape: []int{4, 2}, I: []int32{0, 0, l.pads[0], l.pads[1], l.pads[2], l.pads[3], 0, 0}}
		return pad(args[0], p)
	case "Conv2D":
		t, err = conv2D(ar, args[0], l.kernel, l.bias, l.residualOf(args), l.sh, l.sw, l.pad(), l.act)
	case "DepthwiseConv2D":
		t, err = depthwiseConv2D(ar, args[0], l.kernel, l.bias, l.residualOf(args), l.sh, l.sw, l.pad(), l.act)
	case "AveragePooling2D", "MaxPooling2D":
		t, err = pool(args[0], l.kh, l.kw, l.sh, l.sw, l.padMode, l.ClassName == "MaxPooling2D")
	case "Dense":
		t, err = matMul(args[0], l.kernel, l.bias, l.act)
	case "BatchNormalization":
		x := args[0]
		if x.F == nil || len(x.Shape) == 0 || x.Shape[len(x.Shape)-1] != len(l.scale) {
			return nil, fmt.Errorf("input %v has not %d channels", x.Shape, len(l.scale))
		}
		t = NewTensor(x.Shape...)
		n := len(l.scale)
		for i := 0; i < len(x.F); i += n {
			o, in := t.F[i:i+n], x.F[i:i+n]
			for c := range o {
				o[c] = in[c]*l.scale[c] + l.shift[c]
			}
		}
	default:
		return nil, fmt.Errorf("layer class %s is not supported", l.ClassName)
	}
	if err != nil {
		return nil, err
	}
	if l.softmax {
		return softmax(t)
	}
	return t, nil
}
