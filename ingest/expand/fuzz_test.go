package expand

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
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

// FuzzUFDR feeds arbitrary bytes to the report.xml reader: it may refuse,
// never panic, and keeps within its memory bound.
func FuzzUFDR(f *testing.F) {
	f.Add([]byte(ufdrReportXML([]byte("a"), []byte("b"), false)))
	f.Add([]byte(`<project><taggedFiles><file path="x" deleted="Deleted"><metadata section="File"><item name="Local Path">files\a</item><item name="MD5">00112233445566778899aabbccddeeff</item></metadata></file>`))
	f.Add([]byte(`<file path=""><item name="Local Path"></item></file><file><item>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := &ufdrReport{files: map[string]ufdrFile{}}
		err := readUFDRReport(context.Background(), bytes.NewReader(data), 1<<16, rep)
		if err == nil && len(data) < 1<<16 && len(rep.files) > len(data) {
			t.Fatalf("%d files from %d bytes", len(rep.files), len(data))
		}
		for local, f := range rep.files {
			if local == "" || strings.Contains(local, `\`) || (f.device != "" && !strings.HasPrefix(f.device, "/")) {
				t.Fatalf("kept %q → %+v", local, f)
			}
		}
	})
}

// FuzzTakeoutSidecar: a sidecar gives a time RFC 3339 can show, or none.
func FuzzTakeoutSidecar(f *testing.F) {
	f.Add([]byte(`{"title":"a.jpg","photoTakenTime":{"timestamp":"1577880000"}}`))
	f.Add([]byte(`{"photoTakenTime":{"timestamp":"-5"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if tm := parseTakeoutSidecar(data); !tm.IsZero() && (tm.Year() < 1970 || tm.Year() > 9999) {
			t.Fatalf("time %v", tm)
		}
	})
}

// FuzzBplist: the binary plist reader refuses what it cannot read, never
// panics or reads outside the bytes.
func FuzzBplist(f *testing.F) {
	f.Add([]byte("bplist00\xd3\x01\x05\x08\x02\x07\x09\\Applications\xd1\x03\x04Ucom.x\xd1\x05\x06[IsEncrypted\x08\x09WVersionT10.0\x08\x0f\x1c\x1f%(456>\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00C"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bplistTopBool(data, "IsEncrypted")
	})
}
