//go:build !cgo

package picture

import "image"

// decodeJPEG without cgo: image/jpeg at full size.
func (a *Analyzer) decodeJPEG(data []byte, cfg image.Config) (decoded, error) {
	info := scanJPEG(data)
	if err := checkScans(info); err != nil {
		return decoded{}, err
	}
	return a.decodeJPEGStd(data, cfg, info)
}

func encodeThumb(img *image.RGBA, quality int) ([]byte, error) { return encodeThumbStd(img, quality) }
