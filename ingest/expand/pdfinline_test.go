package expand

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// inlineTestJPEG is a small JPEG whose bytes hold " EI " as a trap for
// a reader that looks for the end of the data by scanning alone: it is
// put in a COM segment.
func inlineTestJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 16, 12))
	for y := range 12 {
		for x := range 16 {
			img.Set(x, y, color.NRGBA{uint8(x * 15), uint8(y * 20), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	j := b.Bytes()
	com := []byte("\xff\xfe\x00\x0a EI Q \n\n") // a COM segment: 2 length bytes, 8 of text
	return append(append(append([]byte{}, j[:2]...), com...), j[2:]...)
}

func deflateForTest(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// inlinePDF builds a PDF whose content streams hold inline images (BI …
// ID … EI) of every kind the reader handles: raw RGB samples that hold
// " EI " themselves (found by their computed length), ASCIIHex gray,
// Indexed over RGB behind [/AHx /Fl], a named colour space from the
// page's resources, a stencil mask with /D [1 0], a DCT JPEG as stored
// (in a Flate content stream and in a plain one), and one inside a form
// XObject drawn by page 2.
func inlinePDF(t *testing.T) []byte {
	t.Helper()
	rgb := []byte{}
	for i := range 4 * 3 {
		rgb = append(rgb, byte(i*20), byte(200-i*10), byte(i*7))
	}
	copy(rgb[6:], " EI \n")
	gray := make([]byte, 5*4)
	for i := range gray {
		gray[i] = byte(i * 12)
	}
	indexed := deflateForTest(t, []byte{0x5a, 0xa5, 0x5a}) // 8×3 at 1 bit
	named := []byte{0, 1, 2, 2, 1, 0}                      // indices into the resource's palette
	jpg := inlineTestJPEG(t)
	var p1 bytes.Buffer
	p1.WriteString("q 40 0 0 30 0 0 cm\nBI /W 4 /H 3 /CS /RGB /BPC 8 ID ")
	p1.Write(rgb)
	p1.WriteString("\nEI Q\n(BI in a string, ID EI) Tj\n")
	p1.WriteString("q 50 0 0 40 0 40 cm BI /Width 5 /Height 4 /ColorSpace /G /BitsPerComponent 8 /Filter /AHx ID\n")
	p1.WriteString(hex.EncodeToString(gray) + ">\nEI Q\n")
	p1.WriteString("q 80 0 0 30 0 90 cm BI /W 8 /H 3 /CS [/I /RGB 1 <ff000000ff00>] /BPC 1 /F [/AHx /Fl] ID\n")
	p1.WriteString(hex.EncodeToString(indexed) + ">\nEI Q\n")
	p1.WriteString("q 30 0 0 20 60 0 cm BI /W 3 /H 2 /CS /CS0 /BPC 8 ID ")
	p1.Write(named)
	p1.WriteString("\nEI Q\n")
	p1.WriteString("q 0 0 1 rg 80 0 0 20 0 130 cm BI /IM true /W 8 /H 2 /D [1 0] ID ")
	p1.Write([]byte{0xf0, 0x0f})
	p1.WriteString(" EI Q\n")
	p1.WriteString("q 16 0 0 12 90 90 cm BI /W 16 /H 12 /CS /RGB /BPC 8 /F /DCT ID ")
	p1.Write(jpg)
	p1.WriteString("\nEI Q\n")
	content1 := deflateForTest(t, p1.Bytes())

	var p2 bytes.Buffer
	p2.WriteString("q 16 0 0 12 10 10 cm\nBI\n/W 16\n/H 12\n/CS /DeviceRGB\n/BPC 8\n/F /DCTDecode\nID\n")
	p2.Write(jpg)
	p2.WriteString("\nEI\nQ\nq 20 0 0 20 40 40 cm /Fm0 Do Q\n")
	form := "q 2 0 0 2 0 0 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x10\x20\x30\x40 EI Q"

	pdf := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /ColorSpace << /CS0 [/Indexed /DeviceRGB 2 <ff000000ff000000ff>] >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(content1), content1),
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Fm0 7 0 R >> >> /Contents 6 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", p2.Len(), p2.Bytes()),
		pdfStreamObject("/Type /XObject /Subtype /Form /BBox [0 0 2 2]", form),
	})
	return pdf
}

// TestPDFInlineImages: every inline image of inlinePDF is listed, in the
// order and with the kinds `pdfimages -list` gives; decoded ones have the
// pixels `pdfimages -png` writes (the 1-bit Indexed one, which pdfimages
// writes black and white, its palette colours), DCT ones are the JPEG as
// stored (which the file `pdfimages -all` writes holds); the JPEG in the
// plain content stream is read in place and not carved again.
func TestPDFInlineImages(t *testing.T) {
	dir := t.TempDir()
	pdf := inlinePDF(t)
	if err := os.WriteFile(filepath.Join(dir, "inline.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := walkAll(t, pdf)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range got {
		names = append(names, l.name)
		if l.err != nil {
			t.Errorf("%s: %v", l.name, l.err)
		}
	}
	want := []string{"page 1 inline image 1.png", "page 1 inline image 2.png", "page 1 inline image 3.png", "page 1 inline image 4.png",
		"page 1 inline image 5.png", "page 1 inline image 6.jpg", "page 2 inline image 1.jpg", "page 2 form obj 7 inline image 1.png"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("members\n%q\nwant\n%q", names, want)
	}
	type row struct{ kind, color, bpc, enc string }
	var rows []row
	for _, line := range strings.Split(pdfTool(t, dir, "pdfimages", "-list", "inline.pdf"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 12 && f[10] == "[inline]" {
			rows = append(rows, row{kind: f[2], color: f[5], bpc: f[7], enc: f[8]})
		}
	}
	if len(rows) != len(got) {
		t.Fatalf("pdfimages lists %d inline images: %+v", len(rows), rows)
	}
	pdfTool(t, dir, "pdfimages", "-all", "inline.pdf", "all")
	pdfTool(t, dir, "pdfimages", "-png", "inline.pdf", "png")
	jpg := inlineTestJPEG(t)
	for i, r := range rows {
		l := got[i]
		if r.enc == "jpeg" {
			all, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("all-%03d.jpg", i)))
			if err != nil || !strings.HasSuffix(l.name, ".jpg") || !bytes.Equal(l.data, jpg) || !bytes.Contains(all, l.data) {
				t.Errorf("%s: %d bytes, not the JPEG as stored (%d bytes; pdfimages wrote %d, %v)", l.name, len(l.data), len(jpg), len(all), err)
			}
			continue
		}
		if r.color == "index" && r.bpc == "1" {
			img, err := png.Decode(bytes.NewReader(l.data))
			if err != nil {
				t.Fatalf("%s: %v", l.name, err)
			}
			red, green := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}
			for x, c := range []color.NRGBA{red, green, red, green, green, red, green, red} { // 0x5a
				if color.NRGBAModel.Convert(img.At(x, 0)) != c {
					t.Errorf("%s: pixel %d,0 is %v, want %v", l.name, x, img.At(x, 0), c)
				}
			}
			continue
		}
		if i == 3 {
			// pdfimages writes an inline image whose colour space is a
			// page resource wrongly (one colour); poppler's renderer
			// draws it right: its pixels are compared with the page.
			pdfTool(t, dir, "pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", "-singlefile", "inline.pdf", "page1")
			drawn := decodePNG(t, filepath.Join(dir, "page1.png"))
			img, err := png.Decode(bytes.NewReader(l.data))
			if err != nil || img.Bounds().Dx() != 3 || img.Bounds().Dy() != 2 {
				t.Fatalf("%s: %v %v", l.name, err, img)
			}
			for y := range 2 { // drawn 10×10 points a pixel at 60,180 from the top
				for x := range 3 {
					a, b := color.NRGBAModel.Convert(img.At(x, y)), color.NRGBAModel.Convert(drawn.At(65+10*x, 185+10*y))
					if a != b {
						t.Errorf("%s: pixel %d,%d is %v, pdftoppm draws %v", l.name, x, y, a, b)
					}
				}
			}
			continue
		}
		want, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("png-%03d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, l.name, want, l.data)
	}
}

// TestPDFInlineImagesHostile: an inline image with a huge /W /H is
// refused by name before anything is allocated, one with no EI ends the
// search of its content stream without a panic, an unsupported filter is
// named, and truncated copies of the fixture never panic.
func TestPDFInlineImagesHostile(t *testing.T) {
	page := func(content string) []byte {
		return buildPDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>",
			pdfStreamObject("", content),
		})
	}
	got, err := walkAll(t, page("BI /W 100000 /H 100000 /CS /RGB /BPC 8 /F /Fl ID xxxx EI Q"))
	if err != nil || len(got) != 1 || got[0].err == nil || !strings.Contains(got[0].err.Error(), "PDF image limit") {
		t.Errorf("huge inline image: %+v %v", got, err)
	}
	got, err = walkAll(t, page("BI /W 2 /H 2 /CS /G /BPC 8 /F /AHx ID 00112233 Q"))
	if err != nil || len(got) != 0 {
		t.Errorf("inline image without EI: %+v %v", got, err)
	}
	got, err = walkAll(t, page("BI /W 8 /H 8 /IM true /F /CCF ID \x01\x02 EI Q"))
	if err != nil || len(got) != 1 || got[0].err == nil || !strings.Contains(got[0].err.Error(), "CCITTFaxDecode not supported") {
		t.Errorf("CCITT inline image: %+v %v", got, err)
	}
	full := inlinePDF(t)
	for cut := 0; cut < len(full); cut += 7 {
		b := full[:cut]
		if Detect(b[:min(len(b), HeadSize)]) == nil {
			continue
		}
		pdfFormat{}.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(m Member) error {
			if m.Open != nil {
				if rc, err := m.Open(); err == nil {
					io.Copy(io.Discard, rc)
					rc.Close()
				}
			}
			return nil
		})
	}
}

func decodePNG(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

// BenchmarkPDFInlineScan: the cost of looking for inline images on a
// text-heavy PDF (200 pages of Flate content streams, 30 KiB of
// operators each, one small inline image a page): the whole walk against
// the same walk less the inline search, measured in the same run.
func BenchmarkPDFInlineScan(b *testing.B) {
	row := benchrow.Start("ingest/expand/pdf-inline")
	var line bytes.Buffer
	for i := range 400 {
		fmt.Fprintf(&line, "BT /F1 11 Tf 72 %d Td (Sentence %d of the statement, with words (nested) and \\) escapes) Tj ET\n", 700-i%60*11, i)
	}
	line.WriteString("q 8 0 0 8 0 0 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x10\x20\x30\x40 EI Q\n")
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(line.Bytes())
	zw.Close()
	const pages = 200
	objects := []string{"<< /Type /Catalog /Pages 2 0 R >>", ""}
	kids := ""
	for p := range pages {
		page, content := len(objects)+1, len(objects)+2
		kids += fmt.Sprintf("%d 0 R ", page)
		objects = append(objects,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>", content),
			fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
		_ = p
	}
	objects[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages)
	pdf := buildPDF(objects)
	ctx := context.Background()
	var with, without time.Duration
	found := 0
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		pdfFormat{}.Walk(ctx, bytes.NewReader(pdf), int64(len(pdf)), func(Member) error { found++; return nil })
		t1 := time.Now()
		pdfFormat{noInline: true}.Walk(ctx, bytes.NewReader(pdf), int64(len(pdf)), func(Member) error { return nil })
		with, without = with+t1.Sub(t0), without+time.Since(t1)
	}
	if found != pages*b.N {
		b.Fatalf("%d inline images found, want %d", found, pages*b.N)
	}
	ratio := float64(with) / float64(without)
	b.ReportMetric(ratio, "x-walk-vs-without-inline")
	b.Logf("walk %v, without the inline search %v: %.2f× (%d pages, %d KiB of operators each, %d KiB file)",
		with/time.Duration(b.N), without/time.Duration(b.N), ratio, pages, line.Len()>>10, len(pdf)>>10)
	row.Log(b, fmt.Sprintf("PDF walk with the inline-image search, %d pages, %d KiB file", pages, len(pdf)>>10),
		benchrow.Seconds(with/time.Duration(b.N)), "the same walk without the inline search "+benchrow.Seconds(without/time.Duration(b.N)), float64(without)/float64(with))
}
