package expand

import (
	"archive/tar"
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

// Google Takeout exports each Google Photos picture with a JSON sidecar
// beside it, "IMG.jpg.json" (newer exports: "IMG.jpg.supplemental-metadata.json"):
//
//	{"title": "IMG.jpg", "photoTakenTime": {"timestamp": "1577836800", "formatted": "..."}, ...}
//
// The times stored in the export archive are those of the export, not of
// the picture, so a picture with a sidecar takes photoTakenTime as its
// modification time: the one time the cloud kept of it.

// sidecarMax bounds a sidecar read: they are a few hundred bytes, and a
// ZIP of a million sidecar bombs must not cost a million large reads.
const sidecarMax = 64 << 10

// takeoutSidecar is what Scrim reads of a sidecar.
type takeoutSidecar struct {
	Title          string `json:"title"`
	PhotoTakenTime struct {
		Timestamp string `json:"timestamp"`
	} `json:"photoTakenTime"`
}

// parseTakeoutSidecar returns the photoTakenTime a sidecar gives, or the
// zero time when it gives none.
func parseTakeoutSidecar(b []byte) time.Time {
	var s takeoutSidecar
	if json.Unmarshal(b, &s) != nil {
		return time.Time{}
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(s.PhotoTakenTime.Timestamp), 10, 64)
	// 0 is what Takeout writes when it does not know; beyond year 9999
	// is no time RFC 3339 can show.
	if err != nil || secs <= 0 || secs > 253402300799 {
		return time.Time{}
	}
	return time.Unix(secs, 0).UTC()
}

// takeoutSidecars indexes the JSON members of a ZIP by name, or is nil when
// it has none.
type takeoutSidecars map[string]*zip.File

func takeoutIndex(zr *zip.Reader) takeoutSidecars {
	var idx takeoutSidecars
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".json") && f.UncompressedSize64 <= sidecarMax {
			if idx == nil {
				idx = takeoutSidecars{}
			}
			idx[f.Name] = f
		}
	}
	return idx
}

// apply sets m's time from its sidecar, when it has one that gives it.
func (idx takeoutSidecars) apply(m *Member, stored string) {
	if idx == nil || strings.HasSuffix(stored, ".json") {
		return
	}
	for _, name := range []string{stored + ".json", stored + ".supplemental-metadata.json"} {
		f, ok := idx[name]
		if !ok || f.Flags&0x1 != 0 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, sidecarMax))
		rc.Close()
		if err != nil {
			continue
		}
		if t := parseTakeoutSidecar(b); !t.IsZero() {
			m.Mtime = t
			return
		}
	}
}

// takeoutTarTimes reads the sidecars of a Takeout TAR (its first member
// under "Takeout/") in a first pass over its headers, since a TAR cannot
// look ahead: the picture's photoTakenTime by the picture's name. It is
// nil for any other TAR, which so costs one header read.
func takeoutTarTimes(ctx context.Context, r io.ReaderAt, size int64) map[string]time.Time {
	tr := tar.NewReader(io.NewSectionReader(r, 0, size))
	h, err := tr.Next()
	if err != nil || !strings.HasPrefix(strings.TrimPrefix(h.Name, "./"), "Takeout/") {
		return nil
	}
	times := map[string]time.Time{}
	for ; err == nil; h, err = tr.Next() {
		if ctx.Err() != nil {
			return times
		}
		if h.Typeflag != tar.TypeReg || h.Size > sidecarMax || !strings.HasSuffix(h.Name, ".json") {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, sidecarMax))
		if err != nil {
			return times // the walk itself says where the TAR breaks
		}
		t := parseTakeoutSidecar(b)
		if t.IsZero() {
			continue
		}
		pic := strings.TrimSuffix(h.Name, ".json")
		pic = strings.TrimSuffix(pic, ".supplemental-metadata")
		times[pic] = t
	}
	return times
}
