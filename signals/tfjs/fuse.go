package tfjs

import (
	"fmt"
	"strings"
)

// fuse folds what follows each convolution into it: a Mul by constants
// into the filter, BiasAdd and Add of constants into the bias, an Add of
// another branch into a residual, and Relu/Relu6/Maximum/Minimum by
// constants into a clamp. The nodes folded in become aliases of the
// convolution. This is where most of the speed is: faceres's
// conv-add-relu-min-max chains and blazeface's residual adds then cost one
// pass over memory instead of five.
func (g *GraphModel) fuse() error {
	consumers := map[string][]*node{}
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			consumers[in] = append(consumers[in], n)
		}
	}
	for _, n := range g.nodes {
		if !strings.Contains(n.Op, "Conv2D") && !strings.Contains(n.Op, "Depthwise") {
			continue
		}
		if err := g.fuseConv(n, consumers); err != nil {
			return fmt.Errorf("node %q: %w", n.Name, err)
		}
	}
	return nil
}

// constOf returns the Const node's float tensor, or nil.
func (g *GraphModel) constOf(name string) *Tensor {
	n := g.nodes[name]
	if n == nil || n.Op != "Const" {
		return nil
	}
	if t := g.weights[name]; t != nil && t.F != nil {
		return t
	}
	return nil
}

func (g *GraphModel) fuseConv(n *node, consumers map[string][]*node) error {
	if len(n.inputs) < 2 {
		return fmt.Errorf("needs an input and a filter")
	}
	f := g.constOf(n.inputs[1])
	if f == nil || len(f.Shape) != 4 {
		return nil // not a constant 4-D filter: run it unfused
	}
	cout := f.Shape[3]
	if strings.Contains(n.Op, "Depthwise") {
		cout *= f.Shape[2]
	}
	n.filter = &Tensor{Shape: f.Shape, F: append([]float32(nil), f.F...)}
	n.act = actNone()
	if strings.HasPrefix(n.Op, "_Fused") {
		hasBias, act, err := n.fused()
		if err != nil {
			return err
		}
		n.act = act
		if hasBias {
			if len(n.inputs) < 3 {
				return fmt.Errorf("BiasAdd without a bias")
			}
			b := g.constOf(n.inputs[2])
			if b == nil || b.Size() != cout {
				return nil
			}
			n.bias = &Tensor{Shape: []int{cout}, F: append([]float32(nil), b.F...)}
		}
	}
	n.isFused = true
	n.inputs = n.inputs[:1]
	clamped := !n.act.none()
	last := n
	for {
		next := consumers[last.Name]
		if len(next) != 1 {
			break
		}
		c := next[0]
		if len(c.inputs) == 0 || c.inputs[0] != last.Name && (len(c.inputs) < 2 || c.inputs[1] != last.Name) {
			break
		}
		other := ""
		if len(c.inputs) == 2 {
			other = c.inputs[1]
			if other == last.Name {
				other = c.inputs[0]
			}
		}
		k := g.constOf(other)
		ok := false
		switch c.Op {
		case "Relu":
			n.act, ok = n.act.then(0, true), len(c.inputs) == 1
			clamped = clamped || ok
		case "Relu6":
			n.act, ok = n.act.then(0, true).then(6, false), len(c.inputs) == 1
			clamped = clamped || ok
		case "Maximum", "Minimum":
			if k != nil && k.Size() == 1 && len(c.inputs) == 2 {
				n.act, ok = n.act.then(k.F[0], c.Op == "Maximum"), true
				clamped = true
			}
		case "Mul":
			if k != nil && !clamped && n.residual == "" && (k.Size() == 1 || k.Size() == cout) && len(c.inputs) == 2 {
				for i := range n.filter.F {
					n.filter.F[i] *= k.F[(i%cout)%k.Size()]
				}
				if n.bias != nil {
					for i := range n.bias.F {
						n.bias.F[i] *= k.F[i%k.Size()]
					}
				}
				ok = true
			}
		case "Add", "AddV2":
			if len(c.inputs) != 2 || clamped || n.residual != "" {
				break
			}
			if k != nil && (k.Size() == 1 || k.Size() == cout) {
				if n.bias == nil {
					n.bias = &Tensor{Shape: []int{cout}, F: make([]float32, cout)}
				}
				for i := range n.bias.F {
					n.bias.F[i] += k.F[i%k.Size()]
				}
				ok = true
			} else if k == nil && g.nodes[other] != nil && g.nodes[other].Op != "Const" {
				n.residual = other
				n.inputs = append(n.inputs, other)
				ok = true
			}
		}
		if !ok {
			break
		}
		c.Op, c.inputs, c.absorbed = "_Alias", []string{last.Name}, true
		last = c
	}
	return nil
}

// fuse folds each convolution's BatchNormalization into its filter and
// bias, and the ReLU and residual Add after it into its epilogue (as
// GraphModel.fuse does); folded layers become aliases.
func (lm *LayersModel) fuse() {
	consumers := map[string][]*layer{}
	for _, l := range lm.layers {
		for _, in := range l.inputs {
			consumers[in] = append(consumers[in], l)
		}
	}
	// A ZeroPadding2D read only by a VALID convolution becomes that
	// convolution's explicit padding.
	kept := lm.layers[:0]
	for _, l := range lm.layers {
		next := consumers[l.Name]
		if l.ClassName == "ZeroPadding2D" && l.Name != lm.output && len(next) == 1 && len(l.inputs) == 1 &&
			(next[0].ClassName == "Conv2D" || next[0].ClassName == "DepthwiseConv2D") && next[0].padMode == "valid" && !next[0].explicit {
			c := next[0]
			c.explicit, c.pads, c.inputs[0] = true, l.pads, l.inputs[0]
			in := l.inputs[0]
			for i, r := range consumers[in] {
				if r == l {
					consumers[in][i] = c
					break
				}
			}
			continue
		}
		kept = append(kept, l)
	}
	lm.layers = kept
	for _, n := range lm.layers {
		if n.ClassName != "Conv2D" && n.ClassName != "DepthwiseConv2D" || n.softmax || !n.act.none() {
			continue
		}
		cout := n.kernel.Shape[3]
		if n.ClassName == "DepthwiseConv2D" {
			cout *= n.kernel.Shape[2]
		}
		n.kernel = &Tensor{Shape: n.kernel.Shape, F: append([]float32(nil), n.kernel.F...)}
		if n.bias != nil {
			n.bias = &Tensor{Shape: n.bias.Shape, F: append([]float32(nil), n.bias.F...)}
		}
		clamped := false
		last := n
		for last.Name != lm.output {
			next := consumers[last.Name]
			if len(next) != 1 {
				break
			}
			c := next[0]
			ok := false
			switch c.ClassName {
			case "BatchNormalization":
				if clamped || n.residual != "" || len(c.scale) != cout {
					break
				}
				for i := range n.kernel.F {
					n.kernel.F[i] *= c.scale[i%cout]
				}
				if n.bias == nil {
					n.bias = &Tensor{Shape: []int{cout}, F: make([]float32, cout)}
				}
				for i := range n.bias.F {
					n.bias.F[i] = n.bias.F[i]*c.scale[i] + c.shift[i]
				}
				ok = true
			case "ReLU":
				n.act = activation{max(n.act.lo, c.act.lo), min(max(n.act.hi, c.act.lo), c.act.hi)}
				clamped, ok = true, true
			case "Add":
				if clamped || n.residual != "" || len(c.inputs) != 2 {
					break
				}
				other := c.inputs[0]
				if other == last.Name {
					other = c.inputs[1]
				}
				if other == last.Name {
					break
				}
				n.residual = other
				n.inputs = append(n.inputs, other)
				ok = true
			}
			if !ok {
				break
			}
			c.ClassName, c.inputs = "_Alias", []string{last.Name}
			last = c
		}
	}
}
