package expand

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"testing"
)

// FuzzExpand feeds arbitrary bytes to every container reader and to the
// hidden-picture search: they may refuse, never panic or loop, and every
// member stays within the budget.
func FuzzExpand(f *testing.F) {
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("a.jpg")
	w.Write([]byte("\xff\xd8\xff\xe0 not really"))
	zw.Close()
	f.Add(z.Bytes())
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "x", Size: 3, Mode: 0o644, Typeflag: tar.TypeReg})
	tw.Write([]byte("abc"))
	tw.Close()
	f.Add(tb.Bytes())
	var g bytes.Buffer
	gw := gzip.NewWriter(&g)
	gw.Write(tb.Bytes())
	gw.Close()
	f.Add(g.Bytes())
	f.Add([]byte("7z\xbc\xaf\x27\x1c\x00\x04"))
	f.Add([]byte("Rar!\x1a\x07\x01\x00"))
	f.Add([]byte("\xfd7zXZ\x00\x00"))
	f.Add([]byte("\x28\xb5\x2f\xfd"))
	f.Add([]byte("BZh91AY&SY"))
	f.Add(compoundFile(&testing.T{}, "Data", []byte("\xff\xd8\xff\xe0")))
	f.Add([]byte("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/\n--b--\n"))
	f.Add([]byte("From x\nMIME-Version: 1.0\n\nbody\nFrom y\nMIME-Version: 1.0\nContent-Type: application/octet-stream\n\nzz\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		budget := NewBudget(Limits{MaxBytes: 8 << 20, MaxMembers: 1000})
		each := func(m Member) error {
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
		}
		for _, fm := range Formats() {
			fm.Walk(ctx, bytes.NewReader(data), int64(len(data)), each)
		}
		Hidden(ctx, bytes.NewReader(data), int64(len(data)), each)
	})
}
