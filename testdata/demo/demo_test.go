package demo

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/corona10/goimagehash"
)

func TestDeterministic(t *testing.T) {
	opt := Options{Seed: 7, Videos: withFFmpeg()}
	a, b := generate(t, opt), generate(t, opt)
	ta, tb := readTree(t, a.Root), readTree(t, b.Root)
	if len(ta) != len(tb) {
		t.Fatalf("trees differ in size: %d vs %d entries", len(ta), len(tb))
	}
	for p, fa := range ta {
		fb, ok := tb[p]
		switch {
		case !ok:
			t.Errorf("%s: missing from second generation", p)
		case fa.sum != fb.sum:
			t.Errorf("%s: bytes differ", p)
		case !fa.mtime.Equal(fb.mtime):
			t.Errorf("%s: mtime %s vs %s", p, fa.mtime, fb.mtime)
		}
	}
	if len(a.Files) != len(b.Files) {
		t.Fatalf("manifests differ: %d vs %d files", len(a.Files), len(b.Files))
	}
	for i := range a.Files {
		if a.Files[i] != b.Files[i] {
			t.Errorf("manifest entry %d: %+v vs %+v", i, a.Files[i], b.Files[i])
		}
	}
}

func TestSeedChangesContent(t *testing.T) {
	small := Options{Scenes: MinScenes, Size: 128}
	small.Seed = 1
	a := readTree(t, generate(t, small).Root)
	small.Seed = 2
	b := readTree(t, generate(t, small).Root)
	same := 0
	for p, fa := range a {
		if fb, ok := b[p]; ok && fa.sum == fb.sum && fa.size > 0 {
			same++
			t.Logf("%s: same bytes for both seeds", p)
		}
	}
	// Only seed-independent files (hosts, the bomb, a fixed text) may match.
	if same > 3 {
		t.Errorf("%d files identical across seeds", same)
	}
	if a["DCIM/100CAMERA/IMG_0100.JPG"].mtime.Equal(b["DCIM/100CAMERA/IMG_0100.JPG"].mtime) {
		t.Error("dates do not depend on the seed")
	}
}

func TestManifestMatchesDisk(t *testing.T) {
	m := generate(t, Options{Seed: 3, Videos: withFFmpeg()})
	disk := readTree(t, m.Root)
	files := 0
	for p := range disk {
		if !strings.HasSuffix(p, "/") {
			files++
		}
	}
	if files != len(m.Files) {
		t.Errorf("%d files on disk, %d in manifest", files, len(m.Files))
	}
	byPath := map[string]File{}
	for _, f := range m.Files {
		byPath[f.Path] = f
		d, ok := disk[f.Path]
		if !ok {
			t.Errorf("%s: not on disk", f.Path)
			continue
		}
		if d.size != f.Size {
			t.Errorf("%s: size %d on disk, %d in manifest", f.Path, d.size, f.Size)
		}
		if d.mtime.Before(periodStart()) || d.mtime.After(periodEnd()) {
			t.Errorf("%s: mtime %s outside the demo period", f.Path, d.mtime)
		}
		if f.Scene < -1 || f.Scene >= DefaultScenes || f.Variant == "" || f.Type == "" {
			t.Errorf("%s: incomplete manifest entry %+v", f.Path, f)
		}
		checkContent(t, filepath.Join(m.Root, filepath.FromSlash(f.Path)), f)
	}
	// Equal bytes must be declared, and only declared, as copies.
	bySum := map[[32]byte][]string{}
	for _, f := range m.Files {
		if f.Size > 0 {
			bySum[disk[f.Path].sum] = append(bySum[disk[f.Path].sum], f.Path)
		}
	}
	for _, f := range m.Files {
		if f.SameBytesAs != "" && disk[f.SameBytesAs].sum != disk[f.Path].sum {
			t.Errorf("%s: not the same bytes as %s", f.Path, f.SameBytesAs)
		}
	}
	for _, paths := range bySum {
		for _, p := range paths[1:] {
			if a, b := byPath[paths[0]], byPath[p]; a.SameBytesAs != p && b.SameBytesAs != paths[0] && a.SameBytesAs != b.SameBytesAs {
				t.Errorf("%s and %s have equal bytes but are not marked as copies", paths[0], p)
			}
		}
	}
	checkCoverage(t, m)
	if total := m.Bytes(); total > 15<<20 {
		t.Errorf("demo tree is %d bytes, want ≤ 15 MiB", total)
	}
}

// checkContent verifies a file's content against its manifest entry.
func checkContent(t *testing.T, path string, f File) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case f.Variant == "bomb":
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != "png" || cfg.Width != BombSide || cfg.Height != BombSide {
			t.Errorf("%s: bomb config %dx%d %q, %v", f.Path, cfg.Width, cfg.Height, format, err)
		}
		if len(data) > 4096 {
			t.Errorf("%s: bomb is %d bytes, want tiny", f.Path, len(data))
		}
		return // never decode the bomb: 30 GB
	case f.Kind == KindPicture && !f.Corrupt:
		_, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != f.Type {
			t.Errorf("%s: DecodeConfig gave %q, %v; want %s", f.Path, format, err, f.Type)
		}
		if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("%s: decode: %v", f.Path, err)
		}
		return
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err == nil {
		t.Errorf("%s (%s, %s): decodes as a picture", f.Path, f.Type, f.Variant)
	}
	if f.Kind == KindPicture && f.Type == "jpeg" && !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
		t.Errorf("%s: corrupt JPEG lacks the JPEG magic", f.Path)
	}
	if !typeMatches(f.Type, data) {
		t.Errorf("%s: content is not %s", f.Path, f.Type)
	}
}

// typeMatches checks non-picture content by its magic or shape.
func typeMatches(typ string, data []byte) bool {
	switch typ {
	case "empty":
		return len(data) == 0
	case "text":
		return utf8.Valid(data) && !bytes.ContainsRune(data, 0)
	case "pdf":
		return bytes.HasPrefix(data, []byte("%PDF-")) && bytes.HasSuffix(data, []byte("%%EOF\n"))
	case "mp4":
		return len(data) > 12 && string(data[4:8]) == "ftyp"
	case "avi":
		return len(data) > 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "AVI "
	case "mkv":
		return bytes.HasPrefix(data, []byte{0x1A, 0x45, 0xDF, 0xA3})
	case "unknown", "jpeg", "png":
		return len(data) > 0
	}
	return false
}

// checkCoverage makes sure the tree has every case the tests of Scrim rely on.
func checkCoverage(t *testing.T, m *Manifest) {
	t.Helper()
	types, variants, copies := map[string]bool{}, map[string]bool{}, map[string]int{}
	for _, f := range m.Files {
		types[f.Type] = true
		variants[f.Variant] = true
		if f.SameBytesAs != "" {
			copies[f.SameBytesAs]++
		}
	}
	want := []string{"jpeg", "png", "gif", "bmp", "tiff", "webp", "text", "pdf", "unknown", "empty"}
	if withFFmpeg() {
		want = append(want, "mp4", "avi", "mkv")
	}
	for _, typ := range want {
		if !types[typ] {
			t.Errorf("no file of type %s", typ)
		}
	}
	for _, v := range []string{"original", "copy", "resized", "recompressed", "cropped", "grayscale", "mirrored",
		"renamed", "corrupt-truncated", "corrupt-garbage", "bomb", "empty", "nonpicture"} {
		if !variants[v] {
			t.Errorf("no file of variant %s", v)
		}
	}
	most := 0
	for _, n := range copies {
		most = max(most, n)
	}
	if most < 3 {
		t.Errorf("no scene has 3+ exact copies (most: %d)", most)
	}
}

func TestBombHeader(t *testing.T) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(bombPNG()))
	if err != nil || format != "png" || cfg.Width != 100000 || cfg.Height != 100000 {
		t.Fatalf("bomb: %dx%d %q, %v", cfg.Width, cfg.Height, format, err)
	}
}

// Scenes must look different to a perceptual hash, or duplicate detection
// cannot be tested on them.
func TestScenesDifferPerceptually(t *testing.T) {
	const minDistance = 10 // of 64 bits
	hashes := make([]*goimagehash.ImageHash, DefaultScenes)
	for i := range hashes {
		h, err := goimagehash.PerceptionHash(renderScene(1, i, 256).img)
		if err != nil {
			t.Fatal(err)
		}
		hashes[i] = h
	}
	closest := 64
	for i := range hashes {
		for j := i + 1; j < len(hashes); j++ {
			d, _ := hashes[i].Distance(hashes[j]) // same kind of hash: no error
			closest = min(closest, d)
			if d < minDistance {
				t.Errorf("scenes %d and %d: pHash distance %d < %d", i, j, d, minDistance)
			}
		}
	}
	t.Logf("closest pair of scenes: pHash distance %d", closest)
}

func TestRootMustBeEmpty(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(root, Options{}); err == nil {
		t.Error("Generate into a non-empty directory succeeded")
	}
	if _, err := Generate(filepath.Join(t.TempDir(), "new"), Options{Scenes: 3}); err == nil {
		t.Error("Generate with too few scenes succeeded")
	}
}

func TestVideosSkippedWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	m := generate(t, Options{Scenes: MinScenes, Size: 128, Videos: true})
	if len(m.Notes) == 0 {
		t.Error("no note about the missing ffmpeg")
	}
	for _, f := range m.Files {
		if f.Kind == KindVideo {
			t.Errorf("%s: video without ffmpeg", f.Path)
		}
	}
}
