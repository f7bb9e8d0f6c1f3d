package video

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// streamInfo is what ffprobe says about the container and the video stream
// that will be sampled.
type streamInfo struct {
	index         int // stream index for -map
	duration      float64
	width, height int
	codec         string
}

type probeOutput struct {
	Streams []struct {
		Index       int               `json:"index"`
		CodecType   string            `json:"codec_type"`
		CodecName   string            `json:"codec_name"`
		Width       int               `json:"width"`
		Height      int               `json:"height"`
		Duration    string            `json:"duration"`
		Disposition map[string]int    `json:"disposition"`
		Tags        map[string]string `json:"tags"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// probe runs ffprobe and picks the first real video stream: cover art in
// MP4 and Matroska is a video stream too, flagged attached_pic.
func (a *Analyzer) probe(ctx context.Context, path string) (streamInfo, error) {
	cmd := exec.CommandContext(ctx, a.ffprobe, "-v", "error", "-of", "json",
		"-show_entries", "format=duration:stream=index,codec_type,codec_name,width,height,duration:stream_disposition=attached_pic",
		"-protocol_whitelist", "file", "-i", "file:"+path)
	var stdout bytes.Buffer
	stderr := &limitedBuffer{max: 2048}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.WaitDelay = waitDelay
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return streamInfo{}, fmt.Errorf("ffprobe: %w", ctx.Err())
	}
	var out probeOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || runErr != nil {
		if runErr == nil {
			runErr = err
		}
		return streamInfo{}, fmt.Errorf("ffprobe: %w%s", runErr, stderr.firstLine())
	}
	info := streamInfo{index: -1}
	for _, s := range out.Streams {
		if s.CodecType != "video" || s.Disposition["attached_pic"] == 1 {
			continue
		}
		info.index, info.codec, info.width, info.height = s.Index, s.CodecName, s.Width, s.Height
		info.duration = parseSeconds(s.Duration)
		break
	}
	if d := parseSeconds(out.Format.Duration); d > info.duration {
		info.duration = d
	}
	if info.index < 0 {
		return info, fmt.Errorf("ffprobe: no video stream%s", stderr.firstLine())
	}
	if info.width <= 0 || info.height <= 0 || info.width > 1<<15 || info.height > 1<<15 {
		return info, fmt.Errorf("ffprobe: video stream declares %dx%d", info.width, info.height)
	}
	return info, nil
}

// parseSeconds reads ffprobe's decimal seconds; "N/A", negative and
// non-finite values are 0 (unknown).
func parseSeconds(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != v || v < 0 || v > 1e12 {
		return 0
	}
	return v
}

// logAddress is the " @ 0x55d0..." ffmpeg puts in log prefixes: noise that
// differs on every run.
var logAddress = regexp.MustCompile(` @ 0x[0-9a-f]+`)

// limitedBuffer keeps the first max bytes a subprocess writes to stderr: a
// corrupt file can make ffmpeg log a line per frame.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// firstLine is ": <first line of stderr>", or "" when there was none.
func (b *limitedBuffer) firstLine() string {
	line, _, _ := strings.Cut(strings.TrimSpace(b.buf.String()), "\n")
	line = strings.TrimSpace(logAddress.ReplaceAllString(line, ""))
	if line == "" {
		return ""
	}
	return ": " + line
}
