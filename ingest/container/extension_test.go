package container

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file named as a container format whose content is not that format is
// an error, never read as a raw disk that holds nothing.
func TestExtensionMismatch(t *testing.T) {
	dir := t.TempDir()
	zeros := make([]byte, 1<<20)
	for name, c := range map[string]struct {
		content []byte
		msg     string
	}{
		"disk.E01":  {nil, "disk.E01 is empty, not an E01"},
		"disk.e01":  {zeros, "disk.e01 is not an E01 (starts with 00 00 00 00 00 00 00 00)"},
		"disk.Ex01": {[]byte("hello, world"), "disk.Ex01 is not an Ex01 (starts with 68 65 6c 6c 6f 2c 20 77)"},
		"disk.vmdk": {zeros, "disk.vmdk is not a VMDK (starts with 00 00 00 00 00 00 00 00)"},
		"disk.vhd":  {zeros, "disk.vhd is not a VHD"},
		"disk.VHDX": {nil, "disk.VHDX is empty, not a VHDX"},
		"disk.E02":  {zeros[:100], "disk.E02 is not an E01"},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, c.content, 0o444); err != nil {
			t.Fatal(err)
		}
		img, err := Open(p)
		if err == nil {
			img.Close()
			t.Errorf("%s opened as %s", name, img.Format())
			continue
		}
		if !errors.Is(err, ErrWrongFormat) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", name, err, c.msg)
		}
	}
	// A flat VMDK extent given on its own is raw data, and so is a .dd.
	for _, name := range []string{"disk-flat.vmdk", "disk-f001.vmdk", "disk.dd"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, zeros, 0o444); err != nil {
			t.Fatal(err)
		}
		img, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if img.Format() != "raw" {
			t.Errorf("%s: %s", name, img.Format())
		}
		img.Close()
	}
}
