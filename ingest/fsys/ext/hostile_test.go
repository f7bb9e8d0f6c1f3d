package ext

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
	img := fixture(t, "ext4", "8M")
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bytes.NewReader(data[:4096]), 4096); err == nil {
		t.Error("truncated volume opened")
	}
	zero := bytes.Clone(data)
	clear(zero[1024:2048])
	if _, err := Open(bytes.NewReader(zero), int64(len(zero))); err == nil {
		t.Error("zeroed superblock opened")
	}
	rng := rand.New(rand.NewSource(1))
	for i := range 30 {
		m := bytes.Clone(data)
		switch i % 3 {
		case 0: // random superblock fields, magic kept
			rng.Read(m[1024:1080])
		case 1: // garbage over group descriptors and inode tables
			rng.Read(m[2048 : 2048+256<<10])
		default: // scattered byte flips
			for range 2000 {
				m[rng.Intn(len(m))] ^= byte(rng.Intn(255) + 1)
			}
		}
		exercise(t, m)
		exercise(t, m[:len(m)/2]) // truncated image
	}
}
