package demo

import (
	"bytes"
	"compress/flate"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// heapPeak samples HeapInuse until stop is closed and returns the peak
// above the starting level.
func heapPeak(stop <-chan struct{}) func() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 { wg.Wait(); return peak - base }
}

func TestGenerateBulk(t *testing.T) {
	const total = 64 << 20
	const pictures = 3
	stop := make(chan struct{})
	peak := heapPeak(stop)
	m, err := GenerateBulk(filepath.Join(t.TempDir(), "bulk"), total, pictures, 5)
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	grew := peak()
	t.Logf("%d files, %d bytes, heap grew by at most %.1f MiB", len(m.Files), m.Bytes(), float64(grew)/(1<<20))
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB while streaming, want < 32", grew>>20)
	}
	if m.Bytes() < total || m.Bytes() > total+bulkMinFile+pictures<<20 {
		t.Errorf("wrote %d bytes, want at least %d and not much more", m.Bytes(), total)
	}
	pics, dirs := 0, map[string]bool{}
	for _, f := range m.Files {
		p := filepath.Join(m.Root, filepath.FromSlash(f.Path))
		st, err := os.Stat(p)
		if err != nil || st.Size() != f.Size {
			t.Fatalf("%s: %v (size %d, manifest %d)", f.Path, err, st.Size(), f.Size)
		}
		dirs[filepath.Dir(f.Path)] = true
		if f.Size < bulkMinFile || f.Size > bulkMaxFile {
			t.Errorf("%s: size %d out of range", f.Path, f.Size)
		}
		if f.Kind != KindPicture {
			continue
		}
		pics++
		data, _ := os.ReadFile(p) // just statted
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != "jpeg" || cfg.Width*cfg.Height < 900_000 {
			t.Errorf("%s: %dx%d %q, %v; want a ~1 MP JPEG", f.Path, cfg.Width, cfg.Height, format, err)
		}
	}
	if pics != pictures || len(dirs) < 5 {
		t.Errorf("%d pictures in %d folders, want %d pictures spread out", pics, len(dirs), pictures)
	}
	checkIncompressible(t, m)
}

// checkIncompressible makes sure blob content defeats compression, so
// benchmarks cannot be flattered by compressing filesystems or caches.
func checkIncompressible(t *testing.T, m *Manifest) {
	t.Helper()
	for _, f := range m.Files {
		if f.Kind == KindPicture {
			continue
		}
		data, err := os.ReadFile(filepath.Join(m.Root, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		data = data[:min(len(data), 1<<20)]
		var buf bytes.Buffer
		zw, _ := flate.NewWriter(&buf, flate.BestSpeed) // valid level
		zw.Write(data)
		zw.Close()
		if buf.Len() < len(data)*99/100 {
			t.Errorf("%s: compresses from %d to %d bytes", f.Path, len(data), buf.Len())
		}
		return // one is enough: all blobs come from the same stream
	}
}

func TestGenerateBulkDeterministic(t *testing.T) {
	a, err := GenerateBulk(filepath.Join(t.TempDir(), "a"), 4<<20, 1, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateBulk(filepath.Join(t.TempDir(), "b"), 4<<20, 1, 9)
	if err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a.Root), readTree(t, b.Root)
	for p, fa := range ta {
		if fb := tb[p]; fa.sum != fb.sum || !fa.mtime.Equal(fb.mtime) {
			t.Errorf("%s: differs between runs", p)
		}
	}
	if len(ta) != len(tb) {
		t.Errorf("%d vs %d entries", len(ta), len(tb))
	}
}

func TestGenerateJPEGs(t *testing.T) {
	const w, h = 640, 480
	paths, err := GenerateJPEGs(filepath.Join(t.TempDir(), "jpegs"), 3, w, h, 85, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("got %d paths, want 3", len(paths))
	}
	sizes := map[int64]bool{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, format, err := image.Decode(f)
		f.Close()
		if err != nil || format != "jpeg" || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Fatalf("%s: %q %v, %v", p, format, img.Bounds(), err)
		}
		st, _ := os.Stat(p) // just opened
		sizes[st.Size()] = true
		// Grain should make them cost like photos: well over 1 bit per pixel.
		if st.Size() < w*h/8 {
			t.Errorf("%s: only %d bytes, not photo-like", p, st.Size())
		}
	}
	if len(sizes) != len(paths) {
		t.Error("pictures are not all different")
	}
}
