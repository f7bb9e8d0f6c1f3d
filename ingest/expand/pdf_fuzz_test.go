package expand

import (
	"bytes"
	"context"
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
