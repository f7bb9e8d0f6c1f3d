package ingest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"scrim/ingest/evidence"
	"scrim/ingest/video"
	"scrim/internal/benchrow"
	"scrim/store"
)

// benchClips are the 720p sources BenchmarkVideo encodes, one shot each,
// so the select filter also meets real scene content.
var benchClips = []string{
	"testsrc2=s=1280x720",
	"smptehdbars=s=1280x720,drawbox=x='mod(t*400\\,1280)':y=200:w=200:h=200:color=red:t=fill",
	"gradients=s=1280x720:speed=0.02",
	"life=s=1280x720:mold=10:life_color=#00ff00",
	"cellauto=s=1280x720:rule=110:scroll=1",
	"sierpinski=s=1280x720",
	"testsrc=s=1280x720,hue=h=90",
	"rgbtestsrc=s=1280x720,drawbox=x=100:y='mod(t*200\\,720)':w=300:h=100:color=blue:t=fill",
}

const benchClipSeconds = 10

// BenchmarkVideo ingests 8 generated 720p H.264 clips of 10 s (25 fps) into a
// fresh case and, in the same run, has plain ffmpeg extract the same frames
// (same select filter, written as JPEGs, as many processes at once as
// ingest has workers). It reports videos/s, the share of ingest time spent
// in video analysis, and Scrim's time over ffmpeg's.
//
//	go test -run NONE -bench Video -benchtime 1x ./ingest/
func BenchmarkVideo(b *testing.B) {
	row := benchrow.Start("ingest/video")
	dir, paths := benchVideoClips(b)
	workers := runtime.GOMAXPROCS(0)
	interval := max(video.DefaultMinInterval, float64(benchClipSeconds)/video.DefaultMaxFrames)

	b.ResetTimer()
	var ingestSecs, videoSecs, ffmpegSecs, decodeSecs float64
	frames := 0
	for range b.N {
		st, err := store.Open(filepath.Join(b.TempDir(), "case"), store.Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		src, err := evidence.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		in := New(st, Options{Workers: workers})
		start := time.Now()
		sum, err := in.Ingest(context.Background(), src, "clips")
		ingestSecs += time.Since(start).Seconds()
		videoSecs += time.Duration(in.videoNanos.Load()).Seconds()
		if err != nil || sum.Errors != 0 {
			b.Fatalf("ingest: %v, %+v", err, sum)
		}
		frames = 0
		st.EachMedia(func(m store.Media) error { frames += len(m.Frames); return nil })
		st.Close()

		start = time.Now()
		ffmpegExtract(b, paths, interval, workers, true)
		ffmpegSecs += time.Since(start).Seconds()
		start = time.Now()
		ffmpegExtract(b, paths, interval, workers, false)
		decodeSecs += time.Since(start).Seconds()
	}
	n := float64(b.N)
	ingestSecs, videoSecs, ffmpegSecs, decodeSecs = ingestSecs/n, videoSecs/n, ffmpegSecs/n, decodeSecs/n
	b.ReportMetric(float64(len(paths))/ingestSecs, "videos/s")
	b.ReportMetric(100*videoSecs/(float64(workers)*ingestSecs), "%video")
	b.ReportMetric(float64(len(paths))/ffmpegSecs, "ffmpeg-videos/s")
	b.ReportMetric(ingestSecs/ffmpegSecs, "x-ffmpeg-time")
	b.ReportMetric(ingestSecs/decodeSecs, "x-decode-time")
	b.Logf("%d clips 1280x720 %d s H.264, %d frames kept: ingest %.2f s (%.2f videos/s, %.0f %% of worker time in video analysis), "+
		"plain ffmpeg extracting the same frames to JPEG %.2f s (%.2f videos/s): Scrim takes %.2fx ffmpeg's time; "+
		"ffmpeg only decoding and selecting them (-f null) %.2f s: %.2fx",
		len(paths), benchClipSeconds, frames, ingestSecs, float64(len(paths))/ingestSecs, 100*videoSecs/(float64(workers)*ingestSecs),
		ffmpegSecs, float64(len(paths))/ffmpegSecs, ingestSecs/ffmpegSecs, decodeSecs, ingestSecs/decodeSecs)
	row.Log(b, fmt.Sprintf("video: %d clips 1280×720 %d s H.264, frames sampled, hashed, contact sheet (%d frames)", len(paths), benchClipSeconds, frames),
		fmt.Sprintf("%.2f videos/s (%.2f s)", float64(len(paths))/ingestSecs, ingestSecs),
		fmt.Sprintf("plain `ffmpeg` writing the same frames as JPEGs %.2f s (%.2f videos/s); decoding only %.2f s", ffmpegSecs, float64(len(paths))/ffmpegSecs, decodeSecs),
		ffmpegSecs/ingestSecs)
}

// benchVideoClips encodes the benchmark's clips into a fresh evidence
// folder and returns it with their paths.
func benchVideoClips(b *testing.B) (string, []string) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skip("ffmpeg not installed")
	}
	dir := filepath.Join(b.TempDir(), "evidence")
	os.MkdirAll(dir, 0o755)
	var wg sync.WaitGroup
	var paths []string
	for i, src := range benchClips {
		p := filepath.Join(dir, fmt.Sprintf("clip%d.mp4", i))
		paths = append(paths, p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := encodeClipErr(p, fmt.Sprintf("%s,fps=25,trim=duration=%d,format=yuv420p", src, benchClipSeconds),
				"-c:v", "libx264", "-preset", "veryfast", "-crf", "23"); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return dir, paths
}

// ffmpegExtract is the baseline: ffmpeg alone writing the frames Scrim
// samples (one per interval) as JPEGs, or with jpegs false only decoding and
// selecting them (the floor), workers processes at a time.
func ffmpegExtract(b *testing.B, paths []string, interval float64, workers int, jpegs bool) {
	out := b.TempDir()
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			args := []string{"-nostdin", "-loglevel", "error", "-i", p, "-an",
				"-vf", fmt.Sprintf("select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,%g)'", interval), "-fps_mode", "passthrough"}
			if jpegs {
				args = append(args, "-q:v", "3", filepath.Join(out, fmt.Sprintf("c%d-%%03d.jpg", i)))
			} else {
				args = append(args, "-f", "null", "-")
			}
			cmd := exec.Command("ffmpeg", args...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				b.Errorf("ffmpeg baseline: %v: %s", err, msg)
			}
		}()
	}
	wg.Wait()
}
