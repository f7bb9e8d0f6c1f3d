package expand

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pdfTool runs a tool that makes or reads the PDF fixtures, skipping the
// test where it is not installed (make deps-test installs it).
func pdfTool(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing", name)
		}
		t.Skipf("%s missing (make deps-test)", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// pdfTestPictures writes pictures of every sample layout img2pdf keeps:
// a JPEG (DCT as stored), RGB and gray PNGs of 8 and 16 bits, and
// palette PNGs of 4 and 1 bits (Indexed), all Flate with PNG predictors.
func pdfTestPictures(t *testing.T, dir string) []string {
	t.Helper()
	const w, h = 37, 23 // odd sizes: rows of bits do not end on a byte
	rgb := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgb16 := image.NewNRGBA64(rgb.Rect)
	gray := image.NewGray(rgb.Rect)
	gray16 := image.NewGray16(rgb.Rect)
	pal16 := image.NewPaletted(rgb.Rect, color.Palette{})
	for i := range 16 {
		pal16.Palette = append(pal16.Palette, color.NRGBA{uint8(i * 16), uint8(255 - i*9), uint8(i * i), 255})
	}
	bw := image.NewPaletted(rgb.Rect, color.Palette{color.Black, color.NRGBA{200, 30, 30, 255}})
	for y := range h {
		for x := range w {
			rgb.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 11), uint8(x*y + 3), 255})
			rgb16.Set(x, y, color.NRGBA64{uint16(x * 1771), uint16(y * 2857), uint16(x*y*97 + 5), 0xffff})
			gray.SetGray(x, y, color.Gray{uint8(x*5 + y*3)})
			gray16.SetGray16(x, y, color.Gray16{uint16(x*1500 + y*900 + 1)})
			pal16.SetColorIndex(x, y, uint8((x+y)%16))
			bw.SetColorIndex(x, y, uint8((x/3+y/2)%2))
		}
	}
	var names []string
	for name, img := range map[string]image.Image{"rgb.png": rgb, "rgb16.png": rgb16, "gray.png": gray, "gray16.png": gray16,
		"pal16.png": pal16, "bw.png": bw, "photo.jpg": rgb} {
		var b bytes.Buffer
		var err error
		if strings.HasSuffix(name, ".jpg") {
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
		} else {
			err = png.Encode(&b, img)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// pdfimagesList returns what `pdfimages -list` says of a PDF: per image
// number, its object number and encoding.
type pdfimagesRow struct {
	num, obj int
	kind     string
	color    string
	bpc      int
	enc      string
}

func pdfimagesList(t *testing.T, dir, pdf string) []pdfimagesRow {
	t.Helper()
	out := pdfTool(t, dir, "pdfimages", "-list", pdf)
	var rows []pdfimagesRow
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 12 {
			continue
		}
		num, err1 := strconv.Atoi(f[1])
		obj, err2 := strconv.Atoi(f[10])
		if err1 != nil || err2 != nil {
			continue
		}
		bpc, _ := strconv.Atoi(f[7])
		rows = append(rows, pdfimagesRow{num: num, obj: obj, kind: f[2], color: f[5], bpc: bpc, enc: f[8]})
	}
	return rows
}

var objInName = regexp.MustCompile(`obj (\d+)\.`)

// checkAgainstPdfimages walks pdf and checks its members against
// pdfimages: the same images, DCT streams byte for byte as `pdfimages -all`
// writes them, decoded ones pixel for pixel as `pdfimages -png` does, but
// for 1-bit Indexed ones, which pdfimages writes as black and white
// whatever the palette: those are compared with mono, their source.
func checkAgainstPdfimages(t *testing.T, dir, pdf, mono string) []listed {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, pdf))
	if err != nil {
		t.Fatal(err)
	}
	got, err := walkAll(t, b)
	if err != nil {
		t.Fatalf("%s: %v", pdf, err)
	}
	// pdfimages gives a mask the object number of the image it masks:
	// masks are matched in order instead.
	byObj := map[int]listed{}
	var masks []listed
	for _, l := range got {
		if strings.Contains(l.name, "mask obj ") {
			masks = append(masks, l)
		} else if m := objInName.FindStringSubmatch(l.name); m != nil {
			n, _ := strconv.Atoi(m[1])
			byObj[n] = l
		}
	}
	rows := pdfimagesList(t, dir, pdf)
	if len(rows) == 0 || len(byObj)+len(masks) != len(rows) {
		t.Fatalf("%s: %d images, pdfimages lists %d: %+v", pdf, len(byObj)+len(masks), len(rows), got)
	}
	all := filepath.Join(dir, strings.TrimSuffix(pdf, ".pdf")+"-all")
	pngs := filepath.Join(dir, strings.TrimSuffix(pdf, ".pdf")+"-png")
	pdfTool(t, dir, "pdfimages", "-all", pdf, all)
	pdfTool(t, dir, "pdfimages", "-png", pdf, pngs)
	for _, row := range rows {
		l, ok := byObj[row.obj]
		if (row.kind == "smask" || row.kind == "mask") && len(masks) > 0 {
			l, ok, masks = masks[0], true, masks[1:]
		}
		if !ok {
			t.Errorf("%s: object %d (%s) not listed", pdf, row.obj, row.enc)
			continue
		}
		if l.err != nil {
			t.Errorf("%s: %s: %v", pdf, l.name, l.err)
			continue
		}
		if row.enc == "jpeg" {
			want, err := os.ReadFile(fmt.Sprintf("%s-%03d.jpg", all, row.num))
			if err != nil || !bytes.Equal(want, l.data) || !strings.HasSuffix(l.name, ".jpg") {
				t.Errorf("%s: %s: %d bytes, pdfimages wrote %d (%v)", pdf, l.name, len(l.data), len(want), err)
			}
			continue
		}
		src := fmt.Sprintf("%s-%03d.png", pngs, row.num)
		if row.color == "index" && row.bpc == 1 {
			src = filepath.Join(dir, mono)
		}
		want, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, pdf+": "+l.name, want, l.data)
	}
	return got
}

func samePixels(t *testing.T, what string, want, got []byte) {
	t.Helper()
	a, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatalf("%s: pdfimages PNG: %v", what, err)
	}
	b, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Errorf("%s: not a PNG: %v", what, err)
		return
	}
	if a.Bounds() != b.Bounds() {
		t.Errorf("%s: %v, pdfimages %v", what, b.Bounds(), a.Bounds())
		return
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
				t.Errorf("%s: pixel %d,%d is %v, pdfimages %v", what, x, y, b.At(x, y), a.At(x, y))
				return
			}
		}
	}
}

// TestPDFImages: img2pdf's PDF (a JPEG as stored, PNGs as Flate with
// predictors, palettes as Indexed), the same rewritten by qpdf with object
// and cross-reference streams, and with every stream uncompressed: each
// image is found, as pdfimages finds it.
func TestPDFImages(t *testing.T) {
	dir := t.TempDir()
	names := pdfTestPictures(t, dir)
	pdfTool(t, dir, "img2pdf", append([]string{"-o", "doc.pdf"}, names...)...)
	got := checkAgainstPdfimages(t, dir, "doc.pdf", "bw.png")
	if len(got) != len(names) {
		t.Errorf("%d members for %d pictures: %+v", len(got), len(names), got)
	}
	for _, l := range got {
		if !strings.HasPrefix(l.name, "page ") {
			t.Errorf("%s: page not named", l.name)
		}
	}
	jpg, _ := os.ReadFile(filepath.Join(dir, "photo.jpg"))
	found := false
	for _, l := range got {
		found = found || bytes.Equal(l.data, jpg)
	}
	if !found {
		t.Error("the JPEG is not among the members as stored")
	}

	pdfTool(t, dir, "qpdf", "--object-streams=generate", "doc.pdf", "objstm.pdf")
	if b, _ := os.ReadFile(filepath.Join(dir, "objstm.pdf")); !bytes.Contains(b, []byte("/ObjStm")) {
		t.Fatal("qpdf wrote no object stream")
	}
	checkAgainstPdfimages(t, dir, "objstm.pdf", "bw.png")
	pdfTool(t, dir, "qpdf", "--stream-data=uncompress", "--object-streams=generate", "doc.pdf", "raw.pdf")
	checkAgainstPdfimages(t, dir, "raw.pdf", "bw.png")
}

// TestPDFDamaged: a broken cross-reference table costs nothing; a
// truncated PDF gives the images before the cut and says it is
// truncated; an encrypted PDF lists its images as not readable.
func TestPDFDamaged(t *testing.T) {
	dir := t.TempDir()
	names := pdfTestPictures(t, dir)
	pdfTool(t, dir, "img2pdf", append([]string{"-o", "doc.pdf"}, names...)...)
	doc, _ := os.ReadFile(filepath.Join(dir, "doc.pdf"))

	// Every xref offset wrong, startxref pointing nowhere.
	broken := regexp.MustCompile(`\d{10} \d{5} n`).ReplaceAll(doc, []byte("0000000001 00000 n"))
	broken = regexp.MustCompile(`startxref\s+\d+`).ReplaceAll(broken, []byte("startxref\n999999"))
	if err := os.WriteFile(filepath.Join(dir, "broken.pdf"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := walkAll(t, broken)
	if err != nil || len(got) != len(names) {
		t.Errorf("broken xref: %d members (%v): %+v", len(got), err, got)
	}
	for _, l := range got {
		if l.err != nil {
			t.Errorf("broken xref: %s: %v", l.name, l.err)
		}
	}

	cut := doc[:len(doc)*2/3]
	got, err = walkAll(t, cut)
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated: error %v", err)
	}
	readable := 0
	for _, l := range got {
		if l.err == nil {
			readable++
		}
	}
	if readable == 0 || readable >= len(names) {
		t.Errorf("truncated: %d readable members of %d: %+v", readable, len(names), got)
	}

	pdfTool(t, dir, "qpdf", "--encrypt", "secret", "owner", "256", "--", "doc.pdf", "locked.pdf")
	locked, _ := os.ReadFile(filepath.Join(dir, "locked.pdf"))
	got, err = walkAll(t, locked)
	if err != nil || len(got) != len(names) {
		t.Errorf("encrypted with a user password: %d members (%v)", len(got), err)
	}
	for _, l := range got {
		if !errors.Is(l.err, ErrPDFEncrypted) || !strings.Contains(l.err.Error(), "user password") {
			t.Errorf("encrypted: %s: %v", l.name, l.err)
		}
	}
}

// TestPDFEncryptedEmptyPassword: PDFs encrypted with an empty user
// password by qpdf, with each cipher of the standard security handler
// (RC4 40 and 128 bits, AES-128, AES-256 at revisions 5 and 6), give
// their images as pdfimages reads them.
func TestPDFEncryptedEmptyPassword(t *testing.T) {
	dir := t.TempDir()
	names := pdfTestPictures(t, dir)
	pdfTool(t, dir, "img2pdf", append([]string{"-o", "doc.pdf"}, names...)...)
	for i, args := range [][]string{
		{"--allow-weak-crypto", "--encrypt", "", "owner", "40", "--"},
		{"--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"},
		{"--encrypt", "", "owner", "128", "--use-aes=y", "--"},
		{"--encrypt", "", "owner", "256", "--force-R5", "--"},
		{"--encrypt", "", "owner", "256", "--"},
	} {
		out := fmt.Sprintf("enc%d.pdf", i)
		pdfTool(t, dir, "qpdf", append(args, "doc.pdf", out)...)
		checkAgainstPdfimages(t, dir, out, "bw.png")
	}
}

// TestPDFEncryptedLookup: the Indexed palettes of an encrypted PDF (strings,
// encrypted on their own) are decrypted: every image of the AES-256 seed
// is the same picture as in the plain one.
func TestPDFEncryptedLookup(t *testing.T) {
	plain, _ := os.ReadFile(filepath.Join("testdata", "seed.pdf"))
	enc, _ := os.ReadFile(filepath.Join("testdata", "seed-encrypted.pdf"))
	a, err1 := walkAll(t, plain)
	b, err2 := walkAll(t, enc)
	if err1 != nil || err2 != nil || len(a) != 4 || len(a) != len(b) {
		t.Fatalf("%d and %d members (%v, %v)", len(a), len(b), err1, err2)
	}
	for i := range a {
		if a[i].err != nil || b[i].err != nil || !bytes.Equal(a[i].data, b[i].data) {
			t.Errorf("%s / %s: %d and %d bytes (%v, %v)", a[i].name, b[i].name, len(a[i].data), len(b[i].data), a[i].err, b[i].err)
		}
	}
}

// TestPDFForwardReferences: a /Length naming an object further on, and a
// colour space kept in an object stream (as writers of PDF 1.5 do), are
// followed; a stream whose /Length is wrong ends at its endstream.
func TestPDFForwardReferences(t *testing.T) {
	pixels := "\xff\x00\x00\x00\xff\x00\x00\x00\xff\x10\x20\x30"
	objstm := "7 0 [/DeviceRGB]"
	pdf := "%PDF-1.5\n" +
		"4 0 obj\n<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /BitsPerComponent 8 /ColorSpace 7 0 R /Length 5 0 R >>\nstream\n" + pixels + "\nendstream\nendobj\n" +
		"5 0 obj\n12\nendobj\n" +
		fmt.Sprintf("8 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length %d >>\nstream\n%s\nendstream\nendobj\n", len(objstm), objstm) +
		"9 0 obj\n<< /Subtype /Image /Width 1 /Height 1 /BitsPerComponent 8 /ColorSpace /DeviceGray /Length 40 >>\nstream\n\x80\nendstream\nendobj\n" +
		"trailer\n<< /Size 10 >>\n%%EOF\n"
	got, err := walkAll(t, []byte(pdf))
	if err != nil || len(got) != 2 {
		t.Fatalf("%d members (%v): %+v", len(got), err, got)
	}
	for _, l := range got {
		if l.err != nil {
			t.Fatalf("%s: %v", l.name, l.err)
		}
	}
	img, err := png.Decode(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := img.At(1, 1).RGBA(); r>>8 != 0x10 || g>>8 != 0x20 || b>>8 != 0x30 {
		t.Errorf("pixel 1,1 is %v", img.At(1, 1))
	}
	gray, err := png.Decode(bytes.NewReader(got[1].data))
	if err != nil || color.GrayModel.Convert(gray.At(0, 0)).(color.Gray).Y != 0x80 {
		t.Errorf("the stream with a wrong /Length: %v", err)
	}
}

// buildPDF writes a PDF of the given objects (numbered from 1) with a
// correct cross-reference table; object 1 must be the catalog.
func buildPDF(objects []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objects))
	for i, o := range objects {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, x)
	return b.Bytes()
}

func pdfStreamObject(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// TestPDFSoftMask: an image with a soft mask and a stencil mask gives
// three members, the masks named as such, as pdfimages lists them (image,
// smask, stencil), with the same pixels.
func TestPDFSoftMask(t *testing.T) {
	rgb := strings.Repeat("\xc0\x40\x20", 4*3)
	alpha := "\x00\x40\x80\xff\x10\x20\x30\x40\x50\x60\x70\x80"
	stencil := "\x50\xa0\x50" // 4×3 at 1 bit: one byte per row
	pdf := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources << /XObject << /Im0 5 0 R /Im1 7 0 R >> >> /Contents 4 0 R >>",
		pdfStreamObject("", "q 40 0 0 30 0 0 cm /Im0 Do Q q 40 0 0 30 50 50 cm /Im1 Do Q"),
		pdfStreamObject("/Type /XObject /Subtype /Image /Width 4 /Height 3 /ColorSpace /DeviceRGB /BitsPerComponent 8 /SMask 6 0 R", rgb),
		pdfStreamObject("/Type /XObject /Subtype /Image /Width 4 /Height 3 /ColorSpace /DeviceGray /BitsPerComponent 8", alpha),
		pdfStreamObject("/Type /XObject /Subtype /Image /Width 4 /Height 3 /ImageMask true /Decode [1 0]", stencil),
	})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "masks.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	got := checkAgainstPdfimages(t, dir, "masks.pdf", "")
	var names []string
	for _, l := range got {
		names = append(names, l.name)
	}
	if want := "[page 1 image obj 5.png page 1 soft mask obj 6.png page 1 image obj 7.png]"; fmt.Sprint(names) != want {
		t.Errorf("members %v, want %s", names, want)
	}
	kinds := map[string]bool{}
	for _, r := range pdfimagesList(t, dir, "masks.pdf") {
		kinds[r.kind] = true
	}
	if !kinds["smask"] || !kinds["stencil"] {
		t.Errorf("pdfimages lists %v", kinds)
	}
}
