package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"scrim/ingest/evidence"
	"scrim/ingest/video"
	"scrim/internal/benchrow"
	"scrim/signals/models"
	"scrim/store"
)

// BenchmarkVideoSignals ingests BenchmarkVideo's clips with signals off and
// on (every sampled frame through the models, the post-ingest pass
// included for what the stage deferred), alternately twice, keeping the
// faster of each so a load spike hits neither alone. It reports both times,
// on/off, and frames per second through the models over the extra time.
//
//	go test -run NONE -bench VideoSignals -benchtime 1x ./ingest/
func BenchmarkVideoSignals(b *testing.B) {
	row := benchrow.Start("ingest/video-signals")
	dir, _ := filepath.Abs(filepath.Join("..", ".cache", "models"))
	if _, err := os.Stat(filepath.Join(dir, "blazeface.json")); err != nil {
		b.Skipf("models missing in %s: make bench runs make models first", dir)
	}
	an, err := models.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	clips, paths := benchVideoClips(b)
	workers := runtime.GOMAXPROCS(0)
	run := func(signalsOn bool) (time.Duration, int) {
		st, err := store.Open(filepath.Join(b.TempDir(), "case"), store.Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		src, err := evidence.Open(clips)
		if err != nil {
			b.Fatal(err)
		}
		// A generous decoder timeout: on a loaded machine the models
		// compete with ffmpeg, and a timed-out clip would measure nothing.
		opt := Options{Workers: workers, Video: video.Options{Timeout: 10 * time.Minute}}
		if signalsOn {
			opt.Signals = an
		}
		start := time.Now()
		sum, err := New(st, opt).Ingest(context.Background(), src, "clips")
		if err != nil || sum.Errors != 0 {
			st.EachMedia(func(m store.Media) error {
				if m.Error != "" {
					b.Logf("%s: %s", m.SHA256[:12], m.Error)
				}
				return nil
			})
			b.Fatalf("ingest: %v, %+v", err, sum)
		}
		if signalsOn && sum.SignalsDeferred > 0 {
			if _, err := Pass(context.Background(), st, an, PassOptions{Workers: workers}); err != nil {
				b.Fatal(err)
			}
		}
		d := time.Since(start)
		frames := 0
		st.EachSignals(func(g store.Signals) error { frames += len(g.FrameSignals); return nil })
		return d, frames
	}
	b.ResetTimer()
	for range b.N {
		var off, on time.Duration
		frames := 0
		for range 2 {
			if d, _ := run(false); off == 0 || d < off {
				off = d
			}
			d, n := run(true)
			if on == 0 || d < on {
				on = d
			}
			frames = n
		}
		if frames == 0 {
			b.Fatal("no frame signals recorded")
		}
		b.ReportMetric(off.Seconds(), "signals-off-s")
		b.ReportMetric(on.Seconds(), "signals-on-s")
		b.ReportMetric(on.Seconds()/off.Seconds(), "x-on/off")
		b.ReportMetric(float64(frames)/max(1e-3, (on-off).Seconds()), "frames/s-models")
		b.Logf("%d clips, %d frames through the models: ingest %.2f s with signals off, %.2f s on (%.2fx)",
			len(paths), frames, off.Seconds(), on.Seconds(), on.Seconds()/off.Seconds())
		row.Log(b, fmt.Sprintf("video ingest with the face/age/nudity models on, %d clips, %d frames through the models (best of 2)", len(paths), frames),
			fmt.Sprintf("%.2f s (%.1f frames/s through the models)", on.Seconds(), float64(frames)/max(1e-3, (on-off).Seconds())),
			fmt.Sprintf("the same ingest with signals off %.2f s", off.Seconds()), off.Seconds()/on.Seconds())
	}
}
