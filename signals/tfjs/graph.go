package tfjs

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// GraphModel is a TF.js graph model (format "graph-model"): a TensorFlow
// GraphDef whose Const nodes are the weights.
type GraphModel struct {
	arenas  arenaPool
	nodes   map[string]*node
	weights map[string]*Tensor
	input   string
	inShape []int
}

type node struct {
	Name   string             `json:"name"`
	Op     string             `json:"op"`
	Input  []string           `json:"input"`
	Attr   map[string]attrVal `json:"attr"`
	inputs []string           // data inputs without ":0" and without control inputs

	// Set by fuse on a convolution that absorbed the nodes after it.
	isFused  bool
	filter   *Tensor // folded copy of the filter (Mul by constants)
	bias     *Tensor // folded bias (BiasAdd, Add of constants)
	residual string  // a fused Add of another branch ("" none)
	act      activation
	absorbed bool // this node's work is done by the convolution it aliases
}

type attrVal struct {
	S    string   `json:"s"`
	I    string   `json:"i"`
	F    *float64 `json:"f"`
	B    bool     `json:"b"`
	List *struct {
		S []string `json:"s"`
		I []string `json:"i"`
	} `json:"list"`
	Shape *struct {
		Dim []struct {
			Size string `json:"size"`
		} `json:"dim"`
	} `json:"shape"`
}

// graphOps are the operators this runtime executes.
var graphOps = map[string]bool{
	"Const": true, "Placeholder": true, "Identity": true,
	"_FusedConv2D": true, "Conv2D": true, "DepthwiseConv2dNative": true, "_FusedDepthwiseConv2dNative": true,
	"AddV2": true, "Add": true, "Mul": true, "Maximum": true, "Minimum": true, "Sub": true,
	"MaxPool": true, "AvgPool": true, "Pad": true, "Relu": true, "Relu6": true,
	"Reshape": true, "Mean": true, "Sigmoid": true, "Softmax": true, "_FusedMatMul": true, "MatMul": true,
}

// LoadGraphModel reads model.json (and its shards) from path. Every node's
// operator, every Const's weight and every weight's shape is checked here,
// so a model that loads runs.
func LoadGraphModel(path string) (*GraphModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("graph model: %w", err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Format != "graph-model" {
		return nil, fmt.Errorf("%s: format %q is not a graph model", path, m.Format)
	}
	var topo struct {
		Node []*node `json:"node"`
	}
	if err := json.Unmarshal(m.ModelTopology, &topo); err != nil {
		return nil, fmt.Errorf("%s: modelTopology: %w", path, err)
	}
	w, err := ReadWeights(filepath.Dir(path), m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g := &GraphModel{nodes: map[string]*node{}, weights: w}
	for _, n := range topo.Node {
		if !graphOps[n.Op] {
			return nil, fmt.Errorf("%s: node %q: operator %s is not supported", path, n.Name, n.Op)
		}
		if _, dup := g.nodes[n.Name]; dup {
			return nil, fmt.Errorf("%s: node %q defined twice", path, n.Name)
		}
		for _, in := range n.Input {
			if strings.HasPrefix(in, "^") {
				continue
			}
			name, idx, _ := strings.Cut(in, ":")
			if idx != "" && idx != "0" {
				return nil, fmt.Errorf("%s: node %q reads output %s of %q: only single-output nodes are supported", path, n.Name, idx, name)
			}
			n.inputs = append(n.inputs, name)
		}
		g.nodes[n.Name] = n
		switch n.Op {
		case "Const":
			if w[n.Name] == nil {
				return nil, fmt.Errorf("%s: constant %q has no weight in the shards", path, n.Name)
			}
		case "Placeholder":
			if g.input != "" {
				return nil, fmt.Errorf("%s: more than one input", path)
			}
			g.input = n.Name
			if s := n.Attr["shape"].Shape; s != nil {
				for _, d := range s.Dim {
					v, _ := strconv.Atoi(d.Size)
					g.inShape = append(g.inShape, v)
				}
			}
		}
	}
	if g.input == "" {
		return nil, fmt.Errorf("%s: no input (Placeholder) node", path)
	}
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			if g.nodes[in] == nil {
				return nil, fmt.Errorf("%s: node %q reads %q, which is not in the graph", path, n.Name, in)
			}
		}
	}
	if err := g.fuse(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// One run on zeros: a filter or constant whose shape does not fit the
	// graph fails here, at load, not on the first picture.
	if _, err := g.Run(zeros(g.inShape), g.sinks()...); err != nil {
		return nil, fmt.Errorf("%s: trial run: %w", path, err)
	}
	return g, nil
}

// zeros is an input of the declared shape (an unknown batch is 1).
func zeros(shape []int) *Tensor {
	s := append([]int(nil), shape...)
	for i, d := range s {
		if d < 1 {
			s[i] = 1
		}
	}
	return NewTensor(s...)
}

// sinks are the nodes nothing reads: the graph's outputs.
func (g *GraphModel) sinks() []string {
	read := map[string]bool{}
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			read[in] = true
		}
	}
	var out []string
	for name, n := range g.nodes {
		if !read[name] && n.Op != "Const" && !n.absorbed {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// InputShape is the Placeholder's declared shape (-1 for any batch).
func (g *GraphModel) InputShape() []int { return append([]int(nil), g.inShape...) }

// Run feeds x to the input and returns the named outputs (":0" optional).
// Intermediate tensors are dropped as soon as nothing else reads them.
func (g *GraphModel) Run(x *Tensor, outputs ...string) (out []*Tensor, err error) {
	defer func() {
		if r := recover(); r != nil { // a bug or a shape no check caught: an error, never a crash
			out, err = nil, fmt.Errorf("graph model: %v", r)
		}
	}()
	if len(g.inShape) == len(x.Shape) {
		for i, d := range g.inShape {
			if d > 0 && d != x.Shape[i] {
				return nil, fmt.Errorf("graph model: input %v, model wants %v", x.Shape, g.inShape)
			}
		}
	} else if len(g.inShape) > 0 {
		return nil, fmt.Errorf("graph model: input %v, model wants %v", x.Shape, g.inShape)
	}
	order, err := g.order(outputs)
	if err != nil {
		return nil, err
	}
	for _, o := range outputs {
		if n := g.nodes[strings.TrimSuffix(o, ":0")]; n != nil && n.absorbed {
			return nil, fmt.Errorf("graph model: output %q was fused into a convolution", o)
		}
	}
	uses := map[string]int{}
	for _, n := range order {
		for _, in := range n.inputs {
			uses[in]++
		}
	}
	for _, o := range outputs {
		uses[strings.TrimSuffix(o, ":0")]++
	}
	ar := g.arenas.get()
	defer g.arenas.put(ar)
	vals := map[string]*Tensor{}
	for _, n := range order {
		args := make([]*Tensor, len(n.inputs))
		for i, in := range n.inputs {
			args[i] = vals[in]
		}
		var t *Tensor
		switch n.Op {
		case "Placeholder":
			t = x
		case "Const":
			t = g.weights[n.Name]
		default:
			t, err = n.exec(ar, args)
			if err != nil {
				return nil, fmt.Errorf("graph model: node %q (%s): %w", n.Name, n.Op, err)
			}
		}
		vals[n.Name] = t
		ar.hold(t)
		for _, in := range n.inputs {
			if uses[in]--; uses[in] == 0 {
				ar.release(vals[in])
				delete(vals, in)
			}
		}
	}
	out = make([]*Tensor, len(outputs))
	for i, o := range outputs {
		out[i] = vals[strings.TrimSuffix(o, ":0")]
	}
	return out, nil
}

// order is a topological order of the nodes the outputs need.
func (g *GraphModel) order(outputs []string) ([]*node, error) {
	var order []*node
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("graph model: cycle through %q", name)
		case 2:
			return nil
		}
		n := g.nodes[name]
		if n == nil {
			return fmt.Errorf("graph model: no node %q", name)
		}
		state[name] = 1
		for _, in := range n.inputs {
			if err := visit(in); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, n)
		return nil
	}
	for _, o := range outputs {
		if err := visit(strings.TrimSuffix(o, ":0")); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func (n *node) want(args []*Tensor, k int) error {
	if len(args) < k {
		return fmt.Errorf("needs %d inputs, has %d", k, len(args))
	}
	for i, a := range args {
		if a == nil {
			return fmt.Errorf("input %d (%s) has no value", i, n.inputs[i])
		}
	}
	return nil
}

func (n *node) str(key string) string {
	b, _ := base64.StdEncoding.DecodeString(n.Attr[key].S)
	return string(b)
}

func (n *node) ints(key string) []int {
	a := n.Attr[key]
	if a.List == nil {
		return nil
	}
	out := make([]int, len(a.List.I))
	for i, s := range a.List.I {
		out[i], _ = strconv.Atoi(s)
	}
	return out
}

// hw4 reads an NHWC [1,h,w,1] attribute (strides, ksize).
func (n *node) hw4(key string) (int, int, error) {
	v := n.ints(key)
	if len(v) != 4 || v[0] != 1 || v[3] != 1 {
		return 0, 0, fmt.Errorf("attribute %s %v is not [1,h,w,1]", key, v)
	}
	return v[1], v[2], nil
}

func (n *node) checkNHWC() error {
	if f := n.str("data_format"); f != "" && f != "NHWC" {
		return fmt.Errorf("data format %s is not supported", f)
	}
	if d := n.ints("dilations"); d != nil {
		for _, v := range d {
			if v != 1 {
				return fmt.Errorf("dilations %v are not supported", d)
			}
		}
	}
	return nil
}

// fused reads _Fused* ops' fused_ops list: BiasAdd then an optional
// activation.
func (n *node) fused() (bias bool, act activation, err error) {
	a := n.Attr["fused_ops"]
	act = actNone()
	if a.List == nil {
		return false, act, nil
	}
	for i, s := range a.List.S {
		b, _ := base64.StdEncoding.DecodeString(s)
		switch op := string(b); {
		case op == "BiasAdd" && i == 0:
			bias = true
		case op == "Relu" && i > 0:
			act = actRelu()
		case op == "Relu6" && i > 0:
			act = actRelu6()
		default:
			return false, actNone(), fmt.Errorf("fused op %q is not supported", op)
		}
	}
	return bias, act, nil
}

func (n *node) exec(ar *arena, args []*Tensor) (*Tensor, error) {
	switch n.Op {
	case "Identity":
		if err := n.want(args, 1); err != nil {
			return nil, err
		}
		return args[0], nil
	case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "_FusedDepthwiseConv2dNative":
		if err := n.want(args, 1); err != nil {
			return nil, err
		}
		sh, sw, err := n.hw4("strides")
		if err != nil {
			return nil, err
		}
		var filter, bias, residual *Tensor
		act := actNone()
		if !n.isFused {
			if err := n.want(args, 2); err != nil {
				return nil, err
			}
			filter = args[1]
		}
		if n.isFused {
			filter, bias, act = n.filter, n.bias, n.act
			if n.residual != "" {
				residual = args[len(args)-1]
			}
		} else if strings.HasPrefix(n.Op, "_Fused") {
			hasBias, a, err := n.fused()
			if err != nil {
				return nil, err
			}
			act = a
			if hasBias {
				if err := n.want(args, 3); err != nil {
					return nil, err
				}
				bias = args[2]
			}
		}
		if strings.Contains(n.Op, "Depthwise") {
			return depthwiseConv2D(ar, args[0], filter, bias, residual, sh, sw, padSpec{mode: n.str("padding")}, act)
		}
		return conv2D(ar, args[0], filter, bias, residual, sh, sw, padSpec{mode: n.str("padding")}, act)
	case "_Alias":
		return args[0], nil
	case "_FusedMatMul", "MatMul":
		if err := n.want(args, 2); err != nil {
			return nil, err
		}
		if n.Attr["transpose_a"].B || n.Attr["transpose_b"].B {
			return nil, fmt.Errorf("transposed operands are not supported")
		}
		var bias *Tensor
		hasBias, act, err := n.fused()
		if err != nil {
			return nil, err
		}
		if hasBias {
			if err := n.want(args, 3); err != nil {
				return nil, err
			}
			bias = args[2]
		}
		return matMul(args[0], args[1], bias, act)
	case "AddV2", "Add", "Mul", "Maximum", "Minimum", "Sub":
		if err := n.want(args, 2); err != nil {
			return nil, err
		}
		return broadcastOp(n.Op, args[0], args[1], binaryFuncs[n.Op])
	case "Relu":
		if err := n.want(args, 1); err != nil {
			return nil, err
		}
		return unary(n.Op, args[0], func(v float32) float32 { return max(v, 0) })
	case "Relu6":
		if err := n.want(args, 1); err != nil {
			return nil, err
		}
		return unary(n.Op, args[0], func(v float32) float32 { return min(max(v, 0), 6) })
	case "Sigmoid":
		if err := n.want(args, 1); err != nil {
			return nil, err
		}
		return unary(n.Op, args[0], sigmoid)
	case "Softmax":
		if err := n.want(args, 1); err != nil {
			return nil, err
		}
		return softmax(args[0])
	case "MaxPool", "AvgPool":
		if err := n.want(args, 1); err != nil {
			return nil, err
		}
		if err := n.checkNHWC(); err != nil {
			return nil, err
		}
		kh, kw, err := n.hw4("ksize")
		if err != nil {
			return nil, err
		}
		sh, sw, err := n.hw4("strides")
		if err != nil {
			return nil, err
		}
		return pool(args[0], kh, kw, sh, sw, n.str("padding"), n.Op == "MaxPool")
	case "Pad":
		if err := n.want(args, 2); err != nil {
			return nil, err
		}
		return pad(args[0], args[1])
	case "Reshape":
		if err := n.want(args, 2); err != nil {
			return nil, err
		}
		if args[1].I == nil {
			return nil, fmt.Errorf("shape is not int32")
		}
		return reshape(args[0], args[1].I)
	case "Mean":
		if err := n.want(args, 2); err != nil {
			return nil, err
		}
		if args[1].I == nil {
			return nil, fmt.Errorf("axes are not int32")
		}
		if n.Attr["keep_dims"].B {
			return nil, fmt.Errorf("keep_dims is not supported")
		}
		return mean(args[0], args[1].I)
	}
	return nil, fmt.Errorf("operator %s is not supported", n.Op)
}

var binaryFuncs = map[string]func(x, y float32) float32{
	"AddV2":   func(x, y float32) float32 { return x + y },
	"Add":     func(x, y float32) float32 { return x + y },
	"Sub":     func(x, y float32) float32 { return x - y },
	"Mul":     func(x, y float32) float32 { return x * y },
	"Maximum": func(x, y float32) float32 { return float32(math.Max(float64(x), float64(y))) },
	"Minimum": func(x, y float32) float32 { return float32(math.Min(float64(x), float64(y))) },
}
