package models

import (
	"fmt"
	"image"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// previews are the test pictures fitted into 256 px, as ingest hands
// them to the analyzer.
func previews(t testing.TB) []image.Image {
	var out []image.Image
	for _, img := range testPictures(t) {
		b := img.Bounds()
		w, h := 256, 256
		if b.Dx() > b.Dy() {
			h = 256 * b.Dy() / b.Dx()
		} else {
			w = 256 * b.Dx() / b.Dy()
		}
		out = append(out, scaled(img, w, h))
	}
	return out
}

// threadCPU is the calling thread's CPU time (Linux RUSAGE_THREAD): with
// the goroutine locked to its thread it times one picture's work even when
// other jobs share the cores.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// singlePictureCPU is the best of several timed rounds, per picture, on one
// locked goroutine: the least disturbed figure on a loaded host.
func singlePictureCPU(b *testing.B, a *Analyzer, pics []image.Image) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best := time.Hour
	for range 8 {
		t0 := threadCPU()
		for _, p := range pics {
			if _, err := a.Analyze(p); err != nil {
				b.Fatal(err)
			}
		}
		best = min(best, (threadCPU()-t0)/time.Duration(len(pics)))
	}
	return best
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSignals: face detection + age + nudity on 256 px previews, one
// goroutine per core, beside TF.js's CPU backend (reference.js, one Node
// thread) on the same pictures in the same run.
func BenchmarkSignals(b *testing.B) {
	e := setup(b)
	pics := previews(b)
	workers := runtime.GOMAXPROCS(0)
	const rounds = 8
	for _, p := range pics { // warm up
		if _, err := e.analyzer.Analyze(p); err != nil {
			b.Fatal(err)
		}
	}
	row := benchrow.Start("signals/models")
	b.ResetTimer()
	cpu0, t0 := cpuTime(), time.Now()
	for range b.N {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range rounds {
					for _, p := range pics {
						if _, err := e.analyzer.Analyze(p); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
	}
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	b.StopTimer()
	n := b.N * workers * rounds * len(pics)
	goRate := float64(n) / wall.Seconds()
	one := singlePictureCPU(b, e.analyzer, pics)
	fmt.Printf("BenchmarkSignals: one goroutine, best round: %.1f CPU-ms per picture\n", float64(one.Microseconds())/1000)
	b.ReportMetric(float64(one.Microseconds())/1000, "cpu-ms/pic-1")
	if os.Getenv("SCRIM_BENCH_NO_TFJS") != "" {
		fmt.Printf("BenchmarkSignals: Go %.1f pictures/s on %d cores (%.0f CPU-ms per picture); TF.js not run (SCRIM_BENCH_NO_TFJS), load %s\n",
			goRate, workers, float64(cpu.Milliseconds())/float64(n), loadAvg())
		b.ReportMetric(goRate, "pics/s")
		row.Log(b, fmt.Sprintf("face, age and nudity models on 256 px previews, %d goroutines", workers),
			fmt.Sprintf("%s (%.0f CPU-ms per picture)", benchrow.Rate(goRate, "pictures/s"), float64(cpu.Milliseconds())/float64(n)), "— (TF.js not run: SCRIM_BENCH_NO_TFJS)", 0)
		return
	}
	_, timing := runReference(b, e, writePictures(b, pics), 1)
	jsRate := float64(timing.Runs) / timing.Seconds
	fmt.Printf("BenchmarkSignals: Go %.1f pictures/s on %d cores (%.0f CPU-ms per picture), TF.js CPU backend %.3f pictures/s (Node, 1 thread): %.0f× faster, load %s\n",
		goRate, workers, float64(cpu.Milliseconds())/float64(n), jsRate, goRate/jsRate, loadAvg())
	b.ReportMetric(goRate, "pics/s")
	b.ReportMetric(jsRate, "tfjs-pics/s")
	b.ReportMetric(goRate/jsRate, "x-tfjs")
	row.Log(b, fmt.Sprintf("face, age and nudity models on 256 px previews, %d goroutines", workers),
		fmt.Sprintf("%s (%.0f CPU-ms per picture)", benchrow.Rate(goRate, "pictures/s"), float64(cpu.Milliseconds())/float64(n)),
		fmt.Sprintf("the same models in TF.js's CPU backend (Node, 1 thread) %.3f pictures/s", jsRate), goRate/jsRate)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "unknown"
	}
	return string(b[:14])
}
