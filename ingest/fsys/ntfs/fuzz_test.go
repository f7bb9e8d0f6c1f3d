package ntfs

import (
	"os"
	"testing"
)

// FuzzOpen treats the input as a whole volume. Seeds: a real mkntfs volume
// cut to its first clusters (boot sector, $MFT) plus the whole 2 MiB volume.
func FuzzOpen(f *testing.F) {
	img := fixture(f, "2M")
	data, err := os.ReadFile(img)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:64<<10])
	f.Fuzz(func(t *testing.T, b []byte) { exercise(t, b) })
}
