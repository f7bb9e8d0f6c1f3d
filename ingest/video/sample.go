package video

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"scrim/ingest/picture"
)

// waitDelay bounds how long Wait waits for a killed ffmpeg's pipes to close.
const waitDelay = 2 * time.Second

// sceneThreshold is ffmpeg's scene score (0–1) above which a frame starts a
// new shot and is sampled early; 0.3 is the value ffmpeg's docs suggest.
const sceneThreshold = 0.3

// flatStdDev: frames whose luma standard deviation (0–255) is below this are
// blank (black fades, title cards) and hash to near-identical values in
// every video.
const flatStdDev = 4.0

// sample is one decoded frame kept in Go.
type sample struct {
	idx    int // order in ffmpeg's output
	ph, dh uint64
	flat   bool
	tile   *image.RGBA
	fitted *image.RGBA // only with Options.KeepFitted, and never for flat frames
	at     float64
}

// sample decodes frames with ffmpeg's select filter (one every interval
// seconds, earlier at scene changes), hashes each as it arrives, and keeps
// a bounded set.
func (a *Analyzer) sample(ctx context.Context, path string, info streamInfo, res *Result) error {
	w, h := outSize(info.width, info.height, a.opt.MaxFramePixels)
	interval := 2 * a.opt.MinInterval // duration unknown: a steady pace
	keyOnly, refOnly := false, false
	if info.duration > 0 {
		interval = max(a.opt.MinInterval, info.duration/float64(a.opt.MaxFrames))
		keyOnly = info.duration > a.opt.KeyframeSeconds
		refOnly = !keyOnly && info.duration > a.opt.FullDecodeSeconds
	}
	res.Mode = fmt.Sprintf("ffmpeg every %.2g s + scene changes", interval)
	args := []string{"-nostdin", "-loglevel", "error", "-noautorotate", "-protocol_whitelist", "file"}
	switch {
	case keyOnly:
		// Very long videos: decode keyframes only. Encoders put keyframes
		// at shot changes, so these are also the frames worth comparing.
		args = append(args, "-skip_frame", "nokey")
		res.Mode = fmt.Sprintf("ffmpeg keyframes, one per %.2g s", interval)
	case refOnly:
		// Long videos: skip the frames no other frame needs (most
		// B-frames) but keep sampling by time and scene change: keyframes
		// alone move when a copy is re-encoded.
		args = append(args, "-skip_frame", "noref")
		res.Mode = fmt.Sprintf("ffmpeg reference frames every %.2g s + scene changes", interval)
	}
	// The select expression: the first frame, then any frame interval after
	// the last one taken, or a quarter of that after it at a scene change.
	// metadata prints each selected frame's time to fd 3 (raw frames carry
	// none), already relative to the start (ffmpeg subtracts the input's
	// start time, which MPEG-TS sets to anything). scale pins the size even
	// if the stream changes it midway.
	vf := fmt.Sprintf("select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,%g)+gt(scene\\,%g)*gte(t-prev_selected_t\\,%g)',"+
		"metadata=mode=print:file='pipe\\:3',format=rgba,scale=%d:%d:flags=area",
		interval, sceneThreshold, interval/4, w, h)
	args = append(args, "-i", "file:"+path, "-map", fmt.Sprintf("0:%d", info.index), "-an", "-sn", "-dn",
		"-vf", vf, "-fps_mode", "passthrough", "-pix_fmt", "rgba", "-f", "rawvideo", "pipe:1")

	cmd := exec.CommandContext(ctx, a.ffmpeg, args...)
	metaR, metaW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("ffmpeg: pipe: %w", err)
	}
	defer metaR.Close()
	cmd.ExtraFiles = []*os.File{metaW}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		metaW.Close()
		return fmt.Errorf("ffmpeg: %w", err)
	}
	stderr := &limitedBuffer{max: 2048}
	cmd.Stderr = stderr
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		metaW.Close()
		return fmt.Errorf("start ffmpeg: %w", err)
	}
	metaW.Close() // the child has its copy; EOF comes when it exits
	times := make(chan []float64, 1)
	go func() { times <- readTimes(metaR) }()

	kept, decoded, readErr := a.readFrames(stdout, w, h)
	waitErr := cmd.Wait()
	ts := <-times
	res.Sampled = decoded
	for i := range kept {
		kept[i].at = float64(kept[i].idx) * interval // fallback when a time is missing
		if kept[i].idx < len(ts) {
			kept[i].at = max(0, ts[kept[i].idx])
		}
	}
	if info.duration == 0 && len(ts) > 0 {
		res.Duration = max(0, ts[len(ts)-1])
	}
	kept = spread(kept, a.opt.MaxFrames)
	for _, s := range kept {
		if !s.flat {
			res.Frames = append(res.Frames, Frame{At: s.at, PHash: s.ph, DHash: s.dh, Fitted: s.fitted})
		}
	}
	sheet, sheetErr := contactSheet(kept)
	res.Sheet = sheet

	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("ffmpeg stopped after %d frames: %w", decoded, ctx.Err())
	case waitErr != nil:
		return fmt.Errorf("ffmpeg after %d frames: %w%s", decoded, waitErr, stderr.firstLine())
	case readErr != nil:
		return readErr
	case stderr.buf.Len() > 0:
		// Exit status 0 with errors logged: damaged stream, frames partial.
		return fmt.Errorf("ffmpeg reported damage (%d frames decoded)%s", decoded, stderr.firstLine())
	case decoded == 0:
		return errors.New("ffmpeg decoded no frames")
	}
	return sheetErr
}

// readFrames hashes each raw frame as it arrives. A goroutine reads the next
// frame while this one is hashed, so ffmpeg keeps decoding meanwhile. Memory
// stays bounded whatever ffmpeg sends: two frame buffers, and when
// 2×MaxFrames samples are kept every other one is dropped and from then on
// only every stride-th frame is hashed.
func (a *Analyzer) readFrames(r io.Reader, w, h int) (kept []sample, decoded int, err error) {
	free := make(chan []byte, 2)
	free <- make([]byte, 4*w*h)
	free <- make([]byte, 4*w*h)
	full := make(chan []byte)
	go func() {
		defer close(full)
		for buf := range free {
			if _, err := io.ReadFull(r, buf); err != nil {
				// EOF, or a cut frame when ffmpeg died or was killed:
				// Wait says which.
				io.Copy(io.Discard, r)
				return
			}
			full <- buf
		}
	}()
	stride := 1
	for buf := range full {
		idx := decoded
		decoded++
		if err == nil && idx%stride == 0 {
			img := &image.RGBA{Pix: buf, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
			var ph, dh uint64
			var fitted *image.RGBA
			if ph, dh, fitted, err = picture.HashImageFitted(img); err != nil {
				err = fmt.Errorf("hash frame %d: %w", idx, err)
			} else {
				tile := makeTile(img)
				s := sample{idx: idx, ph: ph, dh: dh, tile: tile, flat: lumaStdDev(tile) < flatStdDev}
				if a.opt.KeepFitted && !s.flat {
					s.fitted = fitted
				}
				kept = append(kept, s)
			}
			if len(kept) >= 2*a.opt.MaxFrames {
				for i := range len(kept) / 2 {
					kept[i] = kept[2*i]
				}
				clear(kept[len(kept)/2:]) // let the dropped images go
				kept = kept[:len(kept)/2]
				stride *= 2
			}
		}
		free <- buf // after an error too: the reader must drain ffmpeg
	}
	close(free)
	return kept, decoded, err
}

// readTimes parses the metadata filter's "frame:N pts:P pts_time:T" lines.
func readTimes(r io.Reader) []float64 {
	var out []float64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "frame:") || len(out) >= 1<<20 {
			continue
		}
		_, v, ok := strings.Cut(line, "pts_time:")
		t, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || math.IsNaN(t) || math.IsInf(t, 0) {
			t = math.NaN()
		}
		out = append(out, t)
	}
	io.Copy(io.Discard, r)
	for i, t := range out {
		if math.IsNaN(t) { // keep order: borrow the previous time
			out[i] = 0
			if i > 0 {
				out[i] = out[i-1]
			}
		}
	}
	return out
}

// spread keeps at most n samples, evenly spaced in order.
func spread(s []sample, n int) []sample {
	if len(s) <= n {
		return s
	}
	out := make([]sample, n)
	for i := range out {
		out[i] = s[i*len(s)/n]
	}
	return out
}

// outSize is the frame size ffmpeg hands over: the stream's own, or scaled
// to fit maxPixels (huge frames would cost hundreds of MB each in Go).
func outSize(w, h, maxPixels int) (int, int) {
	if w*h <= maxPixels {
		return w, h
	}
	f := math.Sqrt(float64(maxPixels) / float64(w*h))
	return max(2, int(float64(w)*f)&^1), max(2, int(float64(h)*f)&^1)
}

// makeTile shrinks a frame into the contact sheet's 128×128 cell. Quality
// hardly matters: the UI blurs it.
func makeTile(img *image.RGBA) *image.RGBA {
	const side = 128
	b := img.Bounds()
	tw, th := side, side
	if b.Dx() >= b.Dy() {
		th = max(1, side*b.Dy()/b.Dx())
	} else {
		tw = max(1, side*b.Dx()/b.Dy())
	}
	tile := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.ApproxBiLinear.Scale(tile, tile.Bounds(), img, b, draw.Src, nil)
	return tile
}

func lumaStdDev(img *image.RGBA) float64 {
	var sum, sq float64
	n := 0
	for i := 0; i+3 < len(img.Pix); i += 4 {
		y := 0.299*float64(img.Pix[i]) + 0.587*float64(img.Pix[i+1]) + 0.114*float64(img.Pix[i+2])
		sum += y
		sq += y * y
		n++
	}
	if n == 0 {
		return 0
	}
	m := sum / float64(n)
	return math.Sqrt(max(0, sq/float64(n)-m*m))
}
