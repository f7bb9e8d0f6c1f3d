package picture

import (
	"fmt"
	"image"
	"sync"
)

// decoded is one decoder's output, holding its share of the memory budget
// until release is called.
type decoded struct {
	img     image.Image
	name    string // Result.Decoder
	scaled  bool   // img is a DCT-scaled version of the declared size
	release func()
}

// Analyze decodes data, the whole content of a picture whose sniffed type name
// is typeName (one of "jpeg", "png", "gif", "bmp", "webp", "tiff", "heic",
// "avif"), and returns its facts. Width and Height are filled whenever the
// header could be read, even when an error is returned.
func (a *Analyzer) Analyze(data []byte, typeName string) (Result, error) {
	var res Result
	if !supported(typeName) {
		return res, fmt.Errorf("%w: %q", ErrUnsupported, typeName)
	}
	if len(data) == 0 {
		return res, fmt.Errorf("decode %s: empty file", typeName)
	}
	var cfg image.Config
	err := guard(typeName, func() (err error) {
		cfg, err = readConfig(data, typeName)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("%w (header)", err)
	}
	res.Width, res.Height = cfg.Width, cfg.Height
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return res, fmt.Errorf("decode %s: header declares %dx%d", typeName, cfg.Width, cfg.Height)
	}
	// The decompression-bomb check: on declared size, before any pixel.
	if px := int64(cfg.Width) * int64(cfg.Height); px > a.maxPixels {
		return res, fmt.Errorf("decode %s: %w: %dx%d is %d pixels, over the cap of %d",
			typeName, ErrTooLarge, cfg.Width, cfg.Height, px, a.maxPixels)
	}

	d, err := a.decode(data, typeName, cfg)
	res.Decoder = d.name
	if err != nil {
		return res, err
	}
	bw, bh := d.img.Bounds().Dx(), d.img.Bounds().Dy()
	if d.scaled {
		bw, bh = cfg.Width, cfg.Height
	}
	err = guard(typeName, func() (err error) {
		res.PHash, res.DHash, res.Thumb, res.Fitted, err = a.fingerprint(d.img, bw, bh)
		return err
	})
	d.release()
	return res, err
}

// decode picks the decoder for typ and runs it under the memory budget.
func (a *Analyzer) decode(data []byte, typ string, cfg image.Config) (decoded, error) {
	var d decoded
	var err error
	if typ == "jpeg" {
		d, err = a.decodeJPEG(data, cfg)
	} else {
		d, err = a.decodeGeneric(data, typ, cfg)
	}
	if err == nil && (d.img == nil || d.img.Bounds().Empty()) {
		d.release()
		err = fmt.Errorf("decode %s: decoder returned an empty picture", typ)
	}
	if err != nil {
		d.release = func() {}
	}
	return d, err
}

func (a *Analyzer) decodeGeneric(data []byte, typ string, cfg image.Config) (decoded, error) {
	need := decodeCost(typ, cfg, len(data)) + fitCost(cfg.Width, cfg.Height, a.decodeSide())
	release, err := a.reserve(typ, cfg, need)
	if err != nil {
		return decoded{}, err
	}
	var d decoded
	err = guard(typ, func() (err error) {
		d.img, d.name, err = decodeOther(data, typ)
		return err
	})
	if err != nil {
		release()
		return decoded{name: d.name}, err
	}
	d.release = release
	return d, nil
}

// reserve takes need bytes from the budget, waiting for other goroutines to
// release theirs. A picture that needs more than the whole budget could never
// run, so it is refused.
func (a *Analyzer) reserve(typ string, cfg image.Config, need int64) (func(), error) {
	if need > a.budget.size {
		return nil, fmt.Errorf("decode %s: %w: %dx%d needs about %d MiB to decode, over the memory budget of %d MiB",
			typ, ErrTooLarge, cfg.Width, cfg.Height, need>>20, a.budget.size>>20)
	}
	a.budget.acquire(need)
	return sync.OnceFunc(func() { a.budget.release(need) }), nil
}

// decodeSide is the box the decoded picture must still cover: the larger of
// the thumbnail and the hashed image.
func (a *Analyzer) decodeSide() int {
	return max(a.thumbSide, hashSide)
}
