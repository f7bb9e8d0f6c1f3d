// Package picture turns the bytes of one picture file into the facts the case
// store keeps: declared dimensions, two perceptual hashes and a small JPEG
// thumbnail.
//
// Inputs are seized files, so they may be corrupt, truncated or hostile. Every
// path reads the header first and refuses oversized pictures before any pixel
// is decoded, every decoder call runs under recover, and decoded memory across
// goroutines is bounded by a budget. A bad picture yields an error, never a
// panic or an unbounded allocation.
//
// All formats go through one canonical pipeline (box-filter fit to 256 px,
// then pHash and dHash), so a picture's hashes barely depend on which decoder
// produced its pixels. EXIF orientation is not applied: hashes and thumbnails
// are of the stored pixel grid, the way the camera wrote it.
package picture

import (
	"errors"
	"image"
)

// HashPipeline names how PHash and DHash are made, so a store can refuse to
// mix hashes from two different pipelines. Change it whenever a change here
// would change a hash.
const HashPipeline = "fit256-box/phash+dhash"

// hashSide is the box the hashed image is fitted into; fixed, whatever the
// thumbnail size, so that HashPipeline stays true.
const hashSide = 256

// Defaults for the zero Options.
const (
	DefaultMaxPixels    = 100_000_000
	DefaultThumbSize    = 256
	DefaultMemoryBudget = 512 << 20
)

var (
	// ErrTooLarge is returned (wrapped) when MaxPixels or the memory budget
	// refuses a picture; the message gives the dimensions and the cap.
	ErrTooLarge = errors.New("picture too large")
	// ErrUnsupported is returned (wrapped) for a type name this package does
	// not decode.
	ErrUnsupported = errors.New("unsupported picture type")
)

// Options tune an Analyzer. The zero value is sensible.
type Options struct {
	// MaxPixels refuses pictures whose declared width*height exceeds it;
	// 0 means DefaultMaxPixels.
	MaxPixels int64
	// ThumbSize is the longest side of the thumbnail; 0 means 256.
	ThumbSize int
	// MemoryBudget is the bytes of decoded pixels allowed in flight across
	// all goroutines; 0 means 512 MiB.
	MemoryBudget int64
	// KeepFitted returns the picture fitted within 256×256 (the hashed
	// image) in Result.Fitted, for the signals models: no second decode.
	KeepFitted bool
}

// Result is what Analyze learned about one picture.
type Result struct {
	// Width and Height are the original, declared dimensions. They are
	// filled whenever the header could be read, even if decoding then failed.
	Width, Height int
	// PHash and DHash are goimagehash's PerceptionHash and DifferenceHash.
	PHash, DHash uint64
	// Thumb is a JPEG of the picture fitted within ThumbSize×ThumbSize.
	Thumb []byte
	// Decoder names the path that decoded the pixels, e.g. "libjpeg-turbo 1/8".
	Decoder string
	// Fitted is the decoded picture box-fitted within 256×256, set only
	// with Options.KeepFitted.
	Fitted *image.RGBA
}

// Analyzer fingerprints pictures. It is safe for concurrent use.
type Analyzer struct {
	maxPixels int64
	thumbSide int
	keepFit   bool
	budget    *budget
	jpeg      jpegTuning
}

// jpegTuning lets tests and benchmarks take the slower JPEG paths on purpose.
type jpegTuning struct {
	disableScaling  bool // decode at full size even with libjpeg-turbo
	forcePureGoJPEG bool // skip libjpeg-turbo entirely
}

// NewAnalyzer returns an Analyzer for opt.
func NewAnalyzer(opt Options) *Analyzer {
	if opt.MaxPixels <= 0 {
		opt.MaxPixels = DefaultMaxPixels
	}
	if opt.ThumbSize <= 0 {
		opt.ThumbSize = DefaultThumbSize
	}
	if opt.MemoryBudget <= 0 {
		opt.MemoryBudget = DefaultMemoryBudget
	}
	return &Analyzer{
		maxPixels: opt.MaxPixels,
		thumbSide: opt.ThumbSize,
		keepFit:   opt.KeepFitted,
		budget:    newBudget(opt.MemoryBudget),
	}
}
