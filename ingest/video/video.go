// Package video turns one video file into what the case store keeps: its
// duration, frame size and codec, a set of sampled frames hashed exactly like
// pictures (so frames compare with pictures and with other videos' frames),
// and a small contact sheet the UI shows blurred and in grayscale.
//
// Decoding is Debian's ffmpeg and ffprobe run as subprocesses under a
// timeout proportional to the file's size: seized videos may be truncated,
// corrupt or hostile, and a stuck or crashing decoder must cost one file its
// analysis, never the ingest. Audio is never decoded (-an, and only the chosen
// video stream is mapped). ffmpeg needs a seekable file (an MP4 with its index
// at the end cannot be read from a pipe), so callers pass a path, which for
// evidence is a private temporary copy, never the evidence itself.
package video

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"os/exec"
	"time"
)

// ErrNoFFmpeg is returned (wrapped) by New when ffmpeg or ffprobe is missing.
var ErrNoFFmpeg = errors.New("ffmpeg/ffprobe not found")

// Defaults for the zero Options.
const (
	DefaultMaxFrames         = 120
	DefaultMinInterval       = 0.2 // seconds
	DefaultFullDecodeSeconds = 60
	DefaultKeyframeSeconds   = 300
	DefaultBaseTimeout       = 30 * time.Second
	DefaultMaxTimeout        = 10 * time.Minute
	DefaultBytesPerSecond    = 2 << 20 // timeout grows by one second per 2 MiB
	DefaultMaxFramePixels    = 3840 * 2160
)

// Options tune an Analyzer. The zero value is sensible.
type Options struct {
	// FFmpeg and FFprobe are the programs' paths; empty means look them up
	// on PATH.
	FFmpeg, FFprobe string
	// MaxFrames caps the frames kept per video (0: DefaultMaxFrames).
	MaxFrames int
	// MinInterval is the closest two regularly sampled frames may be, in
	// seconds (0: DefaultMinInterval). Frames are sampled every
	// max(MinInterval, duration/MaxFrames) plus at scene changes.
	MinInterval float64
	// FullDecodeSeconds: longer videos skip non-reference frames (the
	// B-frames no other frame needs; about 1.7 times faster on x264's
	// defaults) and are still sampled by time and scene change (0:
	// DefaultFullDecodeSeconds).
	FullDecodeSeconds float64
	// KeyframeSeconds: longer videos decode only their keyframes, which is
	// an order of magnitude faster (0: DefaultKeyframeSeconds). Keyframes
	// move when a copy is re-encoded or trimmed, so the keyframes of two
	// copies often show different moments: measured on 80 s clips, 2 of 4
	// copies re-encoded with other keyframes were missed
	// (categorize/video_long_test.go). Below 300 s, skipping non-reference
	// frames decodes 1080p30 H.264 (about 360 frames/s on 2 cores) in 25 s
	// at most, and beyond it MaxFrames frames are over 2.5 s apart, about
	// as far as keyframes anyway.
	KeyframeSeconds float64
	// Timeout, when set, replaces the size-proportional timeout (tests).
	Timeout time.Duration
	// MaxFramePixels: larger frames are scaled down by ffmpeg before they
	// reach Go, which bounds memory (0: DefaultMaxFramePixels, 4K UHD).
	MaxFramePixels int
	// KeepFitted returns each sampled frame fitted within 256×256 (the
	// image its hashes come from) in Frame.Fitted, for the signals models.
	// Off, nothing more is kept; on, a video costs at most 2×MaxFrames
	// such images (about 35 MB for 16:9 at the default) while it is sampled.
	KeepFitted bool
}

// Analyzer runs ffprobe and ffmpeg. It holds no mutable state and is safe for
// concurrent use.
type Analyzer struct {
	ffmpeg, ffprobe string
	opt             Options
}

// New finds ffmpeg and ffprobe. Without them it returns an error wrapping
// ErrNoFFmpeg; callers then still hash videos but cannot look inside them.
func New(opt Options) (*Analyzer, error) {
	// LookPath also checks an explicit path is an executable file.
	var err error
	if opt.FFmpeg, err = exec.LookPath(cmp.Or(opt.FFmpeg, "ffmpeg")); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFFmpeg, err)
	}
	if opt.FFprobe, err = exec.LookPath(cmp.Or(opt.FFprobe, "ffprobe")); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFFmpeg, err)
	}
	if opt.MaxFrames <= 0 {
		opt.MaxFrames = DefaultMaxFrames
	}
	if opt.MinInterval <= 0 {
		opt.MinInterval = DefaultMinInterval
	}
	if opt.FullDecodeSeconds <= 0 {
		opt.FullDecodeSeconds = DefaultFullDecodeSeconds
	}
	if opt.KeyframeSeconds <= 0 {
		opt.KeyframeSeconds = DefaultKeyframeSeconds
	}
	if opt.MaxFramePixels <= 0 {
		opt.MaxFramePixels = DefaultMaxFramePixels
	}
	return &Analyzer{ffmpeg: opt.FFmpeg, ffprobe: opt.FFprobe, opt: opt}, nil
}

// Frame is one sampled frame: when it shows and its perceptual hashes (the
// picture pipeline's, see picture.HashImage).
type Frame struct {
	At           float64 // seconds from the start
	PHash, DHash uint64
	// Fitted is the frame fitted within 256×256, as pictures' Fitted, set
	// only with Options.KeepFitted.
	Fitted *image.RGBA
}

// Result is what Analyze learned. Fields are filled as far as analysis got,
// also when it returns an error.
type Result struct {
	Duration      float64 // seconds; measured from the frames when the header's is missing or implausible
	Width, Height int
	Codec         string
	// Frames are the informative sampled frames in time order; flat frames
	// (black fades, blank title cards) are left out because every video
	// has them and they would match each other.
	Frames []Frame
	// Sampled counts every frame decoded into Go, flat ones included.
	Sampled int
	// Sheet is a JPEG contact sheet of up to 16 frames, longest side ≤ 512.
	Sheet []byte
	// Mode says how frames were chosen, for the record's decoder field.
	Mode string
}

// Analyze probes and samples the video at path, size bytes long. Its error
// names what failed; the Result keeps whatever was learned before.
func (a *Analyzer) Analyze(ctx context.Context, path string, size int64) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout(size))
	defer cancel()
	var res Result
	info, err := a.probe(ctx, path)
	res.Duration, res.Width, res.Height, res.Codec = info.duration, info.width, info.height, info.codec
	if err != nil {
		return res, err
	}
	// A header can declare any duration; even a still slideshow takes more
	// than 250 bytes (2 kbit) per second, so more seconds than size/250 is a
	// lie. Sample by time alone then, and take the duration from the frames
	// actually decoded.
	var durationNote error
	if res.Duration > float64(max(size, 1))/250 {
		durationNote = fmt.Errorf("declared duration %.0f s is implausible for %d bytes; measured from the frames", res.Duration, size)
		info.duration = 0
	}
	err = a.sample(ctx, path, info, &res)
	return res, errors.Join(durationNote, err)
}

// timeout grows with the file: decoding is roughly linear in bytes, and a
// fixed cap still ends a decoder stuck in a loop.
func (a *Analyzer) timeout(size int64) time.Duration {
	if a.opt.Timeout > 0 {
		return a.opt.Timeout
	}
	t := DefaultBaseTimeout + time.Duration(size/DefaultBytesPerSecond)*time.Second
	return min(t, DefaultMaxTimeout)
}
