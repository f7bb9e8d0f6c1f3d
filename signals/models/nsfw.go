package models

import (
	"fmt"

	"scrim/signals/tfjs"
)

const nsfwSize = 224

// nsfw is nsfwjs's MobileNetV2 classifier (a Keras layers model): five
// classes (drawing, hentai, neutral, porn, sexy) on the picture divided by
// 255 and resized to 224×224 with aligned corners, as nsfwjs does.
type nsfw struct {
	m *tfjs.LayersModel
}

func loadNSFW(path string) (*nsfw, error) {
	m, err := tfjs.LoadLayersModel(path)
	if err != nil {
		return nil, err
	}
	if s := m.InputShape(); len(s) != 4 || s[1] != nsfwSize || s[2] != nsfwSize || s[3] != 3 {
		return nil, fmt.Errorf("%s: input %v, want [-1,%d,%d,3]", path, s, nsfwSize, nsfwSize)
	}
	return &nsfw{m: m}, nil
}

func (n *nsfw) classify(p rgb) ([]float32, error) {
	out, err := n.m.Run(resizeBilinear(p, nsfwSize, nsfwSize, true, 255, 0, true))
	if err != nil {
		return nil, fmt.Errorf("nsfwjs: %w", err)
	}
	if out.Size() != 5 {
		return nil, fmt.Errorf("nsfwjs: output %v, want 5 classes", out.Shape)
	}
	return out.F, nil
}
