package video

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
)

// sheetFrames is how many frames a contact sheet shows at most (a 4×4 grid
// of 128 px cells: longest side 512).
const sheetFrames = 16

// contactSheet lays up to 16 of the samples, evenly spread, in a grid and
// encodes it as JPEG. Blank frames are shown only when there is nothing else.
// It is the media's thumbnail: the UI blurs and grays it like any picture.
func contactSheet(s []sample) ([]byte, error) {
	var informative []sample
	for _, x := range s {
		if !x.flat {
			informative = append(informative, x)
		}
	}
	if len(informative) > 0 {
		s = informative
	}
	s = spread(s, sheetFrames)
	if len(s) == 0 {
		return nil, nil
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(s)))))
	rows := (len(s) + cols - 1) / cols
	cw, ch := 0, 0
	for _, x := range s {
		cw, ch = max(cw, x.tile.Bounds().Dx()), max(ch, x.tile.Bounds().Dy())
	}
	sheet := image.NewRGBA(image.Rect(0, 0, cols*cw, rows*ch))
	draw.Draw(sheet, sheet.Bounds(), image.Black, image.Point{}, draw.Src)
	for i, x := range s {
		at := image.Pt((i%cols)*cw, (i/cols)*ch)
		draw.Draw(sheet, x.tile.Bounds().Add(at), x.tile, image.Point{}, draw.Src)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, sheet, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("contact sheet: %w", err)
	}
	return buf.Bytes(), nil
}
