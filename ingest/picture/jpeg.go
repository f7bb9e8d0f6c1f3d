package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"io"
)

// maxJPEGScans refuses progressive JPEGs with absurd scan counts: every scan
// walks the whole coefficient buffer, so a small file with thousands of empty
// scans is a CPU bomb. Real encoders write about ten.
const maxJPEGScans = 500

func jpegConfig(r io.Reader) (image.Config, error) {
	return jpeg.DecodeConfig(r)
}

// jpegInfo is what the frame header says about decode cost.
type jpegInfo struct {
	progressive bool
	planes      float64 // samples per pixel over all components, e.g. 1.5 for 4:2:0
	scans       int
}

// scanJPEG walks the marker segments up to the frame header. When it cannot
// find one it answers pessimistically (progressive, four full planes), so the
// budget errs on the safe side.
func scanJPEG(data []byte) jpegInfo {
	// 0xFF 0xDA cannot occur inside entropy-coded data (0xFF is stuffed), so
	// this counts scans, plus any in embedded thumbnails.
	info := jpegInfo{progressive: true, planes: 4, scans: bytes.Count(data, []byte{0xFF, 0xDA})}
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return info
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return info
		}
		m := data[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7): // no length
			i += 2
			continue
		case m == 0xDA || m == 0xD9: // scan or end before any frame header
			return info
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			parseSOF(data[i:], m, &info)
			return info
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return info
}

// parseSOF reads the component sampling factors of a frame header seg
// (starting at its 0xFF).
func parseSOF(seg []byte, marker byte, info *jpegInfo) {
	if len(seg) < 10 {
		return
	}
	n := int(seg[9])
	if n < 1 || n > 4 || len(seg) < 10+3*n {
		return
	}
	hmax, vmax := 1, 1
	for k := 0; k < n; k++ {
		s := seg[10+3*k+1]
		hmax = max(hmax, int(s>>4))
		vmax = max(vmax, int(s&15))
	}
	planes := 0.0
	for k := 0; k < n; k++ {
		s := seg[10+3*k+1]
		planes += float64(int(s>>4)*int(s&15)) / float64(hmax*vmax)
	}
	info.planes = planes
	info.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
}

// checkScans refuses scan bombs before any decoder sees them.
func checkScans(info jpegInfo) error {
	if info.scans > maxJPEGScans {
		return fmt.Errorf("decode jpeg: %d scans, over the limit of %d", info.scans, maxJPEGScans)
	}
	return nil
}

// stdJPEGCost estimates image/jpeg's peak bytes: the planes at full size,
// plus for progressive files the int32 coefficient blocks it keeps.
func stdJPEGCost(cfg image.Config, info jpegInfo) int64 {
	px := float64(cfg.Width) * float64(cfg.Height)
	cost := px * info.planes
	if info.progressive {
		cost += 4 * px * info.planes
	}
	return int64(cost)
}

// decodeJPEGStd is the pure-Go path: always a full-size decode.
func (a *Analyzer) decodeJPEGStd(data []byte, cfg image.Config, info jpegInfo) (decoded, error) {
	need := stdJPEGCost(cfg, info) + fitCost(cfg.Width, cfg.Height, a.decodeSide())
	release, err := a.reserve("jpeg", cfg, need)
	if err != nil {
		return decoded{name: "image/jpeg"}, err
	}
	var img image.Image
	err = guard("jpeg", func() (err error) {
		img, err = jpeg.Decode(bytes.NewReader(data))
		return err
	})
	if err != nil {
		release()
		return decoded{name: "image/jpeg"}, err
	}
	return decoded{img: img, name: "image/jpeg", release: release}, nil
}
