package expand

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sharedFixture returns a file of ../shared/fixtures, skipping when the
// folder is absent (a clone on its own) unless CI is set.
func sharedFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fixtures", name))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("fixture %s: %v", name, err)
		}
		t.Skipf("fixture %s absent: %v", name, err)
	}
	return b
}

type listed struct {
	name string
	size int64
	data []byte
	err  error
}

func walkAll(t *testing.T, b []byte) ([]listed, error) {
	t.Helper()
	f := Detect(b[:min(len(b), HeadSize)])
	if f == nil {
		t.Fatal("not recognised as a container")
	}
	var out []listed
	err := f.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(m Member) error {
		l := listed{name: m.Name, size: m.Size, err: m.Err}
		if m.Open != nil {
			rc, err := m.Open()
			if err != nil {
				l.err = err
			} else {
				l.data, l.err = io.ReadAll(rc)
				rc.Close()
			}
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// TestRAR reads the WinRAR-made fixtures: 18 members each, as `7z l` lists
// them, every one decompressed to its listed size.
func TestRAR(t *testing.T) {
	for _, name := range []string{"mock-rar4.rar", "mock-rar5.rar"} {
		t.Run(name, func(t *testing.T) {
			got, err := walkAll(t, sharedFixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, l := range got {
				if l.err != nil || int64(len(l.data)) != l.size {
					t.Errorf("%s: %d of %d bytes, %v", l.name, len(l.data), l.size, l.err)
				}
				names = append(names, l.name)
			}
			if len(got) != 18 || !slices.Contains(names, "mockfolder/mockdoc5.docx") || !slices.Contains(names, "mocktext4.txt") {
				t.Fatalf("%d members: %v", len(got), names)
			}
		})
	}
}

// TestZipHostileNames: a member named ../../x.jpg is listed under that
// name and read from memory; nothing is written anywhere.
func TestZipHostileNames(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"../../x.jpg", "/etc/passwd", "a\x00b"} {
		w, _ := zw.Create(n)
		w.Write([]byte("content of " + n))
	}
	zw.Close()
	got, err := walkAll(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].name != "../../x.jpg" || string(got[0].data) != "content of ../../x.jpg" || got[2].name != "a\uFFFDb" {
		t.Fatalf("%+v", got)
	}
}

// TestLimits: the budget stops a stream past its bytes and ratio, with
// the limit's name.
func TestLimits(t *testing.T) {
	b := NewBudget(Limits{MaxBytes: 1 << 20, RatioFloor: 1 << 30})
	_, err := io.Copy(io.Discard, b.Reader(bytes.NewReader(make([]byte, 2<<20)), -1))
	if le, ok := IsLimit(err); !ok || le.Name != "bytes" {
		t.Fatalf("bytes: %v", err)
	}
	b = NewBudget(Limits{MaxRatio: 10, RatioFloor: 1000})
	_, err = io.Copy(io.Discard, b.Reader(bytes.NewReader(make([]byte, 1<<20)), 100))
	if le, ok := IsLimit(err); !ok || le.Name != "ratio" {
		t.Fatalf("ratio: %v", err)
	}
	b = NewBudget(Limits{MaxMembers: 2})
	if b.Member() != nil || b.Member() != nil {
		t.Fatal("two members refused")
	}
	if le, ok := IsLimit(b.Member()); !ok || le.Name != "members" {
		t.Fatal("third member accepted")
	}
	if errors.Is(err, ErrEncrypted) {
		t.Fatal("limit is not encryption")
	}
}

func TestStreamName(t *testing.T) {
	for in, want := range map[string]string{"a.tar.gz": "a.tar", "b.TGZ": "b.tar", "c.xz": "c", "d": "d.content"} {
		if got := StreamName(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
