package thumbs

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sync/atomic"
	"testing"
	"time"

	"scrim/ui/preview"
)

func thumb(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCacheIsBoundedAndAsynchronous(t *testing.T) {
	data := thumb(t)
	var reads, ready atomic.Int64
	var lastReady atomic.Value
	src := func([32]byte) ([]byte, error) { reads.Add(1); return data, nil }
	c := New(src, preview.DefaultPolicy(), 10, 2, func(k Key) { lastReady.Store(k); ready.Add(1) })
	defer c.Close()
	keys := make([]Key, 25)
	for i := range keys {
		keys[i] = Key{SHA: sha256.Sum256([]byte(fmt.Sprint(i)))}
		if img, _ := c.Get(keys[i]); img != nil {
			t.Fatal("a first request answered before rendering")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for ready.Load() < 25 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if ready.Load() != 25 {
		t.Fatalf("%d of 25 renderings arrived", ready.Load())
	}
	if c.Len() != 10 {
		t.Fatalf("cache holds %d renderings, bound is 10", c.Len())
	}
	// The latest rendering stored is held. (Which ones were dropped
	// depends on the order the two workers finished in: a worker held off
	// the core may store the first request last. One worker, below, keeps
	// the order.)
	last, _ := lastReady.Load().(Key)
	if img, _ := c.Get(last); img == nil {
		t.Error("the latest rendering is not held")
	}
	if rate, n := c.HitRate(); n != 26 || rate <= 0 {
		t.Errorf("hit rate %.2f over %d lookups", rate, n)
	}
	img, err := c.Render(Key{SHA: keys[3].SHA, Level: preview.Revealed})
	if err != nil || img == nil {
		t.Fatalf("synchronous render: %v", err)
	}
	c.Forget(Key{SHA: keys[3].SHA, Level: preview.Revealed})
	if img, _ := c.Get(Key{SHA: keys[3].SHA, Level: preview.Revealed}); img != nil {
		t.Error("a forgotten reveal is still held")
	}
}

// With one worker renderings are stored in the order asked: the ten most
// recent are held, the oldest dropped.
func TestCacheDropsTheOldest(t *testing.T) {
	data := thumb(t)
	var ready atomic.Int64
	c := New(func([32]byte) ([]byte, error) { return data, nil }, preview.DefaultPolicy(), 10, 1, func(Key) { ready.Add(1) })
	defer c.Close()
	keys := make([]Key, 25)
	for i := range keys {
		keys[i] = Key{SHA: sha256.Sum256([]byte(fmt.Sprint(i)))}
		c.Get(keys[i])
	}
	deadline := time.Now().Add(10 * time.Second)
	for ready.Load() < 25 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for i, k := range keys {
		img, _, _ := c.lookup(k) // answers without asking for a rendering
		if held := img != nil; held != (i >= 15) {
			t.Errorf("rendering %d held: %v, want %v", i, held, i >= 15)
		}
	}
}
