package evidence

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// MayOpenNested's "no" must mean OpenNestedBeside finds nothing: for each
// container magic, at the start or the end, and plain bytes, under plain,
// split-segment and flat-extent names, with and without a host path.
func TestMayOpenNestedAgreesWithOpen(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	magics := []struct {
		at    string // "head", "tail" (its last 512 bytes) or "end"
		magic string
	}{
		{"head", ""},
		{"head", "EVF\x09\x0d\x0a\xff\x00"},
		{"head", "vhdxfile"},
		{"head", "conectix"},
		{"tail", "conectix"},
		{"head", "KDMV"},
		{"head", "QFI\xfb"},
		{"tail", "koly"},
		{"head", "encrcdsa"},
		{"end", "cdsaencr"},
		{"head", "# Disk DescriptorFile\nversion=1\n"},
	}
	dir := t.TempDir()
	claimed := 0
	for _, size := range []int{64, 511, 512, 3000, 5000} {
		for _, m := range magics {
			content := make([]byte, size)
			for i := range content {
				content[i] = byte(r.IntN(256))
			}
			switch m.at {
			case "head":
				copy(content, m.magic)
			case "tail", "end":
				if size < 512 {
					continue // no tail is probed
				}
				copy(content[size-512:], m.magic)
				if m.at == "end" {
					copy(content[size-len(m.magic):], m.magic)
				}
			}
			for _, name := range []string{"f.dat", "f.001", "f-flat.vmdk"} {
				host := filepath.Join(dir, name)
				if err := os.WriteFile(host, content, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "f.002"), content, 0o644); err != nil {
					t.Fatal(err)
				}
				for _, h := range []string{"", host} {
					if MayOpenNested(content, h, false) {
						if m.magic != "" {
							claimed++
						}
						continue
					}
					if m.magic != "" && m.magic != "# Disk DescriptorFile\nversion=1\n" {
						t.Errorf("%d bytes with %q at the %s (%s, host %q): not claimed", size, m.magic, m.at, name, h)
					}
					src, err := OpenNestedBeside(bytes.NewReader(content), int64(size), name, h, "test", false, nil)
					if src != nil || err != nil {
						t.Errorf("%d bytes with %q at the %s (%s, host %q): MayOpenNested says no, OpenNestedBeside gives %v, %v",
							size, m.magic, m.at, name, h, src, err)
					}
				}
			}
		}
	}
	if claimed == 0 {
		t.Fatal("no magic was claimed: the test checks nothing")
	}
}
