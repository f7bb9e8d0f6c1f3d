package picture

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

func BenchmarkPicturePath12MP(b *testing.B) { benchPicturePath(b, "12mp", 4000, 3000, 6, 48) }
func BenchmarkPicturePath1MP(b *testing.B)  { benchPicturePath(b, "1mp", 1200, 900, 12, 360) }

// benchPicturePath times Analyze over `runs` pictures cycled from `distinct`
// generated JPEGs on GOMAXPROCS goroutines, and in the same run a plain full
// image/jpeg.Decode of the same files, the baseline the ratio is against.
func benchPicturePath(b *testing.B, name string, w, h, distinct, runs int) {
	m := benchrow.Start("ingest/picture/" + name)
	files := make([][]byte, distinct)
	var wg sync.WaitGroup
	for i := range files {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			files[i] = encJPEG(b, photo(w, h, int64(i)), 90)
		}(i)
	}
	wg.Wait()
	workers := runtime.GOMAXPROCS(0)
	fast := NewAnalyzer(Options{})
	pure := NewAnalyzer(Options{})
	pure.jpeg.forcePureGoJPEG = true
	var decoder atomic.Value
	analyze := func(a *Analyzer) func([]byte) error {
		return func(data []byte) error {
			res, err := a.Analyze(data, "jpeg")
			if a == fast {
				decoder.Store(res.Decoder)
			}
			return err
		}
	}
	plain := func(data []byte) error {
		_, err := jpeg.Decode(bytes.NewReader(data))
		return err
	}
	b.ResetTimer()
	var rate, base, pureRate float64
	for i := 0; i < b.N; i++ {
		rate = parallelRate(b, files, runs, workers, analyze(fast))
		base = parallelRate(b, files, runs/4, workers, plain)
		pureRate = parallelRate(b, files, runs/4, workers, analyze(pure))
	}
	b.StopTimer()
	b.ReportMetric(rate, "pics/s")
	b.ReportMetric(base, "imagejpeg-pics/s")
	b.ReportMetric(rate/base, "x-vs-imagejpeg")
	b.ReportMetric(pureRate, "purego-analyze-pics/s")
	b.Logf("%dx%d, %d workers, %d distinct files of ~%d KiB: Analyze (%s) %.1f pics/s; image/jpeg.Decode %.1f pics/s (x%.1f); pure-Go Analyze %.1f pics/s",
		w, h, workers, distinct, len(files[0])>>10, decoder.Load(), rate, base, rate/base, pureRate)
	m.Log(b, fmt.Sprintf("picture path, %.0f MP JPEG (decode %v, pHash, dHash, thumbnail), %d goroutines, %d pictures", float64(w*h)/1e6, decoder.Load(), workers, runs),
		benchrow.Rate(rate, "pictures/s"), "full `image/jpeg` decode, in process "+benchrow.Rate(base, "pictures/s"), rate/base)
}

// parallelRate runs f over runs files (cycling) on workers goroutines and
// returns files per second.
func parallelRate(b *testing.B, files [][]byte, runs, workers int, f func([]byte) error) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= runs {
					return
				}
				if err := f(files[k%len(files)]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(runs) / time.Since(start).Seconds()
}
