package carve

import (
	"bytes"
	"context"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestCarveSmallInputAllocatesLittle: searching a 2 KB file for hidden
// pictures must not allocate (and zero) a 4 MiB block, as it did, which made
// a million small files spend most of their ingest in memclr.
func TestCarveSmallInputAllocatesLittle(t *testing.T) {
	data := make([]byte, 2048)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	rd := bytes.NewReader(data)
	carveAll := func() {
		if err := Carve(context.Background(), rd, 0, int64(len(data)), func(Found) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	carveAll()
	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		carveAll()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 16<<10 {
		t.Fatalf("carving a %d-byte input allocates %d bytes per call", len(data), per)
	}
}
