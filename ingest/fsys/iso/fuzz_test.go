package iso

import (
	"os"
	"testing"
)

// FuzzOpen treats the input as a whole volume; seeds are real images cut
// before the 3 MiB file's data (descriptors and directories come first).
func FuzzOpen(f *testing.F) {
	for _, kind := range []string{"genisoimage-JR", "genisoimage"} {
		data, err := os.ReadFile(fixture(f, kind))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 96<<10)])
	}
	f.Fuzz(func(t *testing.T, b []byte) { exercise(t, b) })
}
