package expand

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPDF feeds arbitrary bytes to the PDF reader: it may refuse, never
// panic or loop, and every member stays within the budget.
func FuzzPDF(f *testing.F) {
	f.Add([]byte("%PDF-1.4\n1 0 obj\n<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\nabcd\nendstream\nendobj\ntrailer\n<< /Root 2 0 R >>\n%%EOF\n"))
	f.Add([]byte("%PDF-1.5\n1 0 obj\n<< /Subtype /Image /Width 3 /Height 1 /ColorSpace [/Indexed /DeviceRGB 1 <ff000000ff00>] /BitsPerComponent 1 /Filter [/AHx /RL] /Length 9 >>\nstream\n02e0a0a0>\nendstream\nendobj\n%%EOF"))
	f.Add([]byte("%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length 2 0 R >>\nstream\n3 0 [/DeviceRGB]\nendstream\nendobj\n2 0 obj 17 endobj\n%%EOF"))
	f.Add([]byte("%PDF-1.2\n4 0 obj<</Subtype/Image/Width 1/Height 1/BitsPerComponent 8/ColorSpace/DeviceRGB/Filter[/A85/LZW]/DecodeParms[null<</EarlyChange 0>>]/Length 8>>stream\n<~J,g]g~>\nendstream endobj"))
	// Real PDFs (testdata/make-pdf-seeds.sh): img2pdf's, and qpdf's with
	// object streams and with AES-256 under an empty user password.
	seeds, _ := filepath.Glob(filepath.Join("testdata", "seed*.pdf"))
	if len(seeds) == 0 {
		f.Fatal("no testdata/seed*.pdf")
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		budget := NewBudget(Limits{MaxBytes: 8 << 20, MaxMembers: 1000})
		pdfFormat{}.Walk(context.Background(), bytes.NewReader(data), int64(len(data)), func(m Member) error {
			if err := budget.Member(); err != nil {
				return err
			}
			if m.Open == nil {
				return nil
			}
			rc, err := m.Open()
			if err != nil {
				return nil
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, budget.Reader(rc, m.Packed))
			if _, ok := IsLimit(err); ok {
				return err
			}
			return nil
		})
	})
}

// FuzzPDFInline feeds arbitrary content streams, holding inline images or
// not, to the inline image reader: it may list nothing or refuse, never
// panic or loop, and every member stays within the budget.
func FuzzPDFInline(f *testing.F) {
	f.Add([]byte("q BI /W 2 /H 2 /CS /G /BPC 8 ID \x10 EI\x30\x40 EI Q"))
	f.Add([]byte("BI /W 8 /H 3 /CS [/I /RGB 1 <ff000000ff00>] /BPC 1 /F [/AHx /Fl] ID\n789c5b55b50a00037d01a1>\nEI Q"))
	f.Add([]byte("BI /IM true /W 8 /H 2 /D [1 0] ID \xf0\x0f EI (BI) Tj BI /W 1 /H 1 /CS /CS0 /BPC 8 /F /A85 ID <~J,g]g~> EI"))
	f.Add([]byte("BI /W 3 /H 1 /CS /RGB /BPC 8 /F /DCT ID \xff\xd8\xff\xd9\nEI\n/Fm0 Do"))
	f.Fuzz(func(t *testing.T, content []byte) {
		pdf := buildPDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Resources << /ColorSpace << /CS0 /DeviceRGB >> >> /Contents 4 0 R >>",
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		})
		budget := NewBudget(Limits{MaxBytes: 8 << 20, MaxMembers: 1000})
		pdfFormat{}.Walk(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), func(m Member) error {
			if err := budget.Member(); err != nil {
				return err
			}
			if m.Open == nil {
				return nil
			}
			rc, err := m.Open()
			if err != nil {
				return nil
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, budget.Reader(rc, m.Packed))
			if _, ok := IsLimit(err); ok {
				return err
			}
			return nil
		})
	})
}
