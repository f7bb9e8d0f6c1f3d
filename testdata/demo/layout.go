package demo

import (
	"fmt"
	"path"
	"strings"
)

// placement says where and how a scene's original is stored.
type placement struct {
	path    string
	format  string
	variant string // original or renamed
}

// placeOriginal spreads originals over a plausible user tree. Scenes 1…5
// show off the non-JPEG formats, and the last three scenes exist only under
// a lying name, so the renamed files are not also exact duplicates.
func placeOriginal(i, n int) placement {
	switch {
	case i == n-1:
		return placement{"Users/alex/Documents/notes.txt", fmtJPEG, "renamed"}
	case i == n-2:
		return placement{"Users/alex/Downloads/photo_2025.jpg", fmtPNG, "renamed"}
	case i == n-3:
		return placement{"tmp/cache/a/b/c/0f3a9c1d", fmtJPEG, "renamed"}
	case i == 1:
		return placement{"Users/alex/Documents/diagram.png", fmtPNG, "original"}
	case i == 2:
		return placement{"Users/alex/Downloads/party.gif", fmtGIF, "original"}
	case i == 3:
		return placement{"Windows/System32/oobe/info/backgrounds/backgroundDefault.bmp", fmtBMP, "original"}
	case i == 4:
		return placement{"Users/alex/Documents/scans/scan_001.tif", fmtTIFF, "original"}
	case i == 5:
		return placement{"Users/alex/Downloads/sticker.webp", fmtWebP, "original"}
	case i%7 == 0 && i > 0:
		return placement{fmt.Sprintf("Users/alex/Pictures/screenshots/Screenshot_%03d.png", i), fmtPNG, "original"}
	case i%3 == 0:
		return placement{fmt.Sprintf("DCIM/100CAMERA/IMG_%04d.JPG", 100+i), fmtJPEG, "original"}
	case i%3 == 1:
		return placement{fmt.Sprintf("Users/alex/Pictures/holiday/holiday_%02d.jpg", i), fmtJPEG, "original"}
	default:
		return placement{fmt.Sprintf("DCIM/101CAMERA/DSC%05d.JPG", 1000+i), fmtJPEG, "original"}
	}
}

// copyPlan lists exact duplicates: scene → paths of byte-identical copies.
// Scene 0 has three, as a photo shared and cached would.
func copyPlan(n int) map[int][]string {
	return map[int][]string{
		0: {"Users/alex/Pictures/holiday/beach.jpg", "Users/alex/Downloads/IMG_0100 (1).JPG", "tmp/cache/a/b/c/f_000123.jpg"},
		1: {"Users/alex/Desktop/diagram - Copy.png"},
		5: {"tmp/cache/a/b/c/sticker_cache.webp"},
		6: {"Users/alex/Pictures/backup/" + path.Base(placeOriginal(6, n).path)},
	}
}

// Near-duplicate variants, made with imaging from the base picture.
const (
	varResized      = "resized"
	varRecompressed = "recompressed"
	varCropped      = "cropped"
	varGrayscale    = "grayscale"
	varMirrored     = "mirrored"
)

// nearPlan lists near-duplicates: scene → variant → path.
func nearPlan(n int) map[int]map[string]string {
	edited := func(i int, suffix string) string {
		return "Users/alex/Pictures/edited/" + stem(placeOriginal(i, n).path) + suffix + ".jpg"
	}
	return map[int]map[string]string{
		0: {
			varResized:      edited(0, "_small"),
			varRecompressed: "Users/alex/Downloads/IMG_0100_whatsapp.jpg",
			varCropped:      edited(0, "_crop"),
			varGrayscale:    edited(0, "_bw"),
			varMirrored:     edited(0, "_flip"),
		},
		6: {varResized: "Users/alex/Downloads/" + stem(placeOriginal(6, n).path) + "_small.jpg", varGrayscale: edited(6, "_bw")},
		7: {varCropped: edited(7, "_crop"), varMirrored: edited(7, "_flip"), varRecompressed: edited(7, "_web")},
		8: {varResized: "tmp/cache/thumbs/8.jpg"},
	}
}

// stem is the file name without folder and extension.
func stem(p string) string {
	b := path.Base(p)
	return strings.TrimSuffix(b, path.Ext(b))
}
