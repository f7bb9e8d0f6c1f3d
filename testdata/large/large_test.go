package large

import (
	"archive/tar"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateSpreadsPictures: 50 members of 5 pictures in archives of 20
// members: three archives GNU tar lists, every picture 10 times.
func TestGenerateSpreadsPictures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ev")
	if err := Generate(dir, 50, 5, 20); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.tar"))
	if len(names) != 3 {
		t.Fatalf("archives %v", names)
	}
	members := 0
	seen := map[[32]byte]int{}
	for _, n := range names {
		out, err := exec.Command("tar", "-tf", n).Output()
		if err != nil {
			t.Fatalf("tar -tf %s: %v", n, err)
		}
		members += len(strings.Fields(string(out)))
		f, _ := os.Open(n)
		tr := tar.NewReader(f)
		for {
			if _, err := tr.Next(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(tr)
			seen[sha256.Sum256(b)]++
		}
		f.Close()
	}
	if members != 50 || len(seen) != 5 {
		t.Fatalf("%d members, %d distinct pictures", members, len(seen))
	}
	for _, n := range seen {
		if n != 10 {
			t.Fatalf("a picture appears %d times", n)
		}
	}
	if err := Generate(dir, 10, 1, 5); err == nil {
		t.Fatal("wrote into a folder that is not empty")
	}
}
