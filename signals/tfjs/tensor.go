// Package tfjs runs TensorFlow.js graph and layers models in pure Go: it
// reads a model's own model.json and .bin shards and executes exactly the
// operators the models Scrim ships use (convolutions, depthwise
// convolutions, matrix products, pooling, padding, activations, reshape,
// mean, softmax). Tensors are float32, NHWC, batch 1.
package tfjs

import "fmt"

// Tensor is a dense float32 tensor (or int32 for shape and axis constants).
type Tensor struct {
	Shape []int
	F     []float32
	I     []int32 // set instead of F for int32 constants
}

// NewTensor makes a zeroed float32 tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), F: make([]float32, numElements(shape))}
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Size is the number of elements.
func (t *Tensor) Size() int { return numElements(t.Shape) }

func (t *Tensor) String() string { return fmt.Sprintf("tensor%v", t.Shape) }

// nhwc returns the four dimensions of a batch-1 image tensor.
func (t *Tensor) nhwc(op string) (h, w, c int, err error) {
	if len(t.Shape) != 4 || t.Shape[0] != 1 || t.F == nil {
		return 0, 0, 0, fmt.Errorf("%s: want a float [1,H,W,C] input, got %v", op, t.Shape)
	}
	return t.Shape[1], t.Shape[2], t.Shape[3], nil
}
