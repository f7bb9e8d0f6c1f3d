package iso

import (
	"bytes"
	"math/rand"
	"os"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// exercise opens data as a volume and reads everything, bounded in time.
func exercise(t testing.TB, data []byte) { fsystest.Exercise(t, Open, data) }

func TestHostile(t *testing.T) {
	img := fixture(t, "genisoimage-JR")
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bytes.NewReader(data[:34000]), 34000); err == nil {
		t.Error("truncated volume opened")
	}
	zero := bytes.Clone(data)
	clear(zero[16*2048 : 18*2048])
	if _, err := Open(bytes.NewReader(zero), int64(len(zero))); err == nil {
		t.Error("zeroed volume descriptors opened")
	}
	rng := rand.New(rand.NewSource(1))
	for i := range 30 {
		m := bytes.Clone(data)
		switch i % 3 {
		case 0: // random descriptor fields, identifiers kept
			rng.Read(m[16*2048+8 : 16*2048+200])
			rng.Read(m[17*2048+8 : 17*2048+200])
		case 1: // garbage over the directory area
			rng.Read(m[18*2048 : 18*2048+64<<10])
		default: // scattered byte flips
			for range 2000 {
				m[rng.Intn(len(m))] ^= byte(rng.Intn(255) + 1)
			}
		}
		exercise(t, m)
		exercise(t, m[:len(m)/2]) // truncated image
	}
}
