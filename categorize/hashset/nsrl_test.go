package hashset

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An RDS legacy NSRLFile.txt; "caf\xe9.txt" is ISO-8859-1 for "café.txt".
func nsrlFile() string {
	q := func(s string) string { return `"` + s + `"` }
	row := func(sha1, md5, name, size string) string {
		return strings.Join([]string{q(sha1), q(md5), q("1A2B3C4D"), q(name), size, "1234", q("358"), q("")}, ",")
	}
	return strings.Join([]string{
		`"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"`,
		row(strings.ToUpper(sha1Of("a")), strings.ToUpper(md5Of("a")), "caf\xe9.txt", "4096"),
		row(strings.ToUpper(sha1Of("b")), strings.ToUpper(md5Of("b")), `say ""hi"".txt`, "0"),
		row("0000", strings.ToUpper(md5Of("c")), "bad.txt", "1"), // bad SHA-1
		`"truncated`, // bad
		row(strings.ToUpper(sha1Of("d")), strings.ToUpper(md5Of("d")), "UTF8-ä.dll", "77"),
	}, "\r\n") + "\r\n"
}

func TestNSRL(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "NSRLFile.txt")
	if err := os.WriteFile(plain, []byte(nsrlFile()), 0o644); err != nil {
		t.Fatal(err)
	}
	zipped := filepath.Join(dir, "rds_modern.zip")
	writeZip(t, zipped, map[string]string{"README.txt": "RDS", "RDS_2024.03.1/NSRLFile.txt": nsrlFile()})

	for _, p := range []string{plain, zipped} {
		got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
			return ReadNSRL(p, Options{}, fn)
		})
		if err != nil {
			t.Fatal(err)
		}
		wantSummary(t, sum, "nsrl", "legacy", 5, 3, 2, []int{4, 5})
		if sum.Vocabulary != VocabNSRL {
			t.Errorf("vocabulary %q", sum.Vocabulary)
		}
		wantEntry(t, got[0], Entry{SHA1: sha1Of("a"), MD5: md5Of("a"), FileName: "café.txt", Size: 4096, Code: CodeKnownGood, Line: 2})
		wantEntry(t, got[1], Entry{SHA1: sha1Of("b"), MD5: md5Of("b"), FileName: `say "hi".txt`, Code: CodeKnownGood, Line: 3})
		wantEntry(t, got[2], Entry{SHA1: sha1Of("d"), MD5: md5Of("d"), FileName: "UTF8-ä.dll", Size: 77, Code: CodeKnownGood, Line: 6})
	}
	got, _, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadNSRL(plain, Options{Category: "0"}, fn)
	})
	if err != nil || got[0].Category != "0" || got[0].Code != "" {
		t.Errorf("category override: %v %+v", err, got)
	}
}

func TestNSRLWrongFormat(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noMember := filepath.Join(dir, "other.zip")
	writeZip(t, noMember, map[string]string{"NSRLProd.txt": "x"})
	for _, tc := range []struct{ path, msg string }{
		{write("RDS_2024.03.1_modern.db", "SQLite format 3\x00\x10\x00\x01\x01"), "nsrl"},
		{write("x.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "the file is a PNG image"},
		{write("list.txt", md5Of("a")+"\n"), "not an NSRL RDS legacy file"},
		{noMember, "the zip holds no NSRLFile.txt (members: NSRLProd.txt)"},
		{write("broken.zip", "PK\x03\x04garbage"), "not a readable zip"},
		{filepath.Join(dir, "missing.txt"), "no such file"},
	} {
		_, _, err := collect(t, func(fn func(Entry) error) (Summary, error) {
			return ReadNSRL(tc.path, Options{}, fn)
		})
		wantErr(t, err, tc.msg)
	}
}

func writeZip(t *testing.T, path string, members map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
