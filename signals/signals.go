// Package signals holds what on-device image models say about a picture:
// faces found, each face's estimated age, and nudity scores. Signals help an
// examiner choose what to look at first and clear the obviously benign in
// bulk; they never set a category and never count in a legal category.
package signals

import "image"

// Face is one face the detector found. The box is in pixels of the picture
// as it was given to Analyze (not of the model's input).
type Face struct {
	X, Y, W, H  float64
	Score       float64 // detector confidence, 0..1
	Age         float64 // estimated age in years
	AgeSpread   float64 // half-width of the estimate's spread in years (how it is computed is documented by the analyzer)
	Gender      string  // "female", "male" or "" when the model gives none
	GenderScore float64
}

// Nudity holds the classifier's five class scores (they sum to about 1).
type Nudity struct {
	Drawing, Hentai, Neutral, Porn, Sexy float64
}

// Model names one model behind a signal, as a report must cite it.
type Model struct {
	Name    string // e.g. "blazeface"
	Package string // the npm package and version it came from, e.g. "@vladmandic/human@3.3.6"
	SHA256  string // of its model.json
}

// Result is every signal for one picture.
type Result struct {
	Faces  []Face
	Nudity Nudity
}

// Analyzer runs the models on one picture. Implementations are safe for
// concurrent use.
type Analyzer interface {
	Analyze(img image.Image) (Result, error)
	Models() []Model
}
