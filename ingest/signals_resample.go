package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"scrim/ingest/evidence"
	"scrim/store"
)

// A signals pass gives a video's models every sampled frame again, as the
// ingest did: it reads the video back from its evidence (read-only), checks
// it still holds the content ingested, copies it privately for ffmpeg and
// samples it through the same path. When no occurrence can be read back
// the video falls back to its stored contact sheet, and the record says so.

// videoCopy is a video read back from its evidence: the private copy
// ffmpeg reads, or why there is none.
type videoCopy struct {
	sha  string
	path string // "" when no occurrence could be read back
	size int64
	note string // why the contact sheet is used instead
}

// readBackVideos reads every wanted video back, one evidence item at a
// time (a disk image is walked once for all its videos), and hands each
// over as a private copy in dir; videos no occurrence of which could be
// read come last, with the reason. send blocks while the analysts are
// busy, so at most a few copies exist at once. It returns when all were
// sent or ctx ends.
func readBackVideos(ctx context.Context, st *store.Store, shas []string, dir string, send func(videoCopy) bool) {
	type wanted struct {
		sha string
		loc evidence.Locator
		at  string // evidence:path, for notes
	}
	byEvidence := map[string][]wanted{}
	why := map[string]string{}
	for _, sha := range shas {
		why[sha] = "no place of it recorded"
		occs, err := st.OccurrencesOf(sha)
		if err != nil {
			why[sha] = err.Error()
			continue
		}
		for _, o := range occs {
			if o.Error != "" {
				why[sha] = "its places could not be read at ingest either"
				continue
			}
			top, names, err := st.Outermost(o)
			if err != nil {
				why[sha] = err.Error()
				continue
			}
			loc := evidence.Locator{Volume: top.Volume, Path: top.Path, Inode: top.Inode, Offset: top.Offset,
				Carved: top.Carved, Deleted: top.Deleted, Chain: strings.Join(names, evidence.ChainSeparator)}
			byEvidence[o.Evidence] = append(byEvidence[o.Evidence], wanted{sha: sha, loc: loc, at: o.Evidence + ":" + o.Path})
			why[sha] = "not found in its evidence"
		}
	}
	ids := make([]string, 0, len(byEvidence))
	for id := range byEvidence {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	done := map[string]bool{}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		ev, ok, err := st.Evidence(id)
		if err != nil || !ok {
			for _, w := range byEvidence[id] {
				why[w.sha] = fmt.Sprintf("evidence %s is not recorded", id)
			}
			continue
		}
		var want []evidence.Locator
		var owner []wanted
		for _, w := range byEvidence[id] {
			if !done[w.sha] {
				want = append(want, w.loc)
				owner = append(owner, w)
			}
		}
		left := len(want)
		stopped := false
		err = evidence.ReadBack(ctx, ev.Path, want, func(i int, c evidence.Content, size int64) error {
			w := owner[i]
			if done[w.sha] {
				return nil
			}
			path, err := copyIfSame(dir, w.sha, c, size)
			if err != nil {
				why[w.sha] = fmt.Sprintf("%s: %v", w.at, err)
				return nil
			}
			done[w.sha] = true
			if !send(videoCopy{sha: w.sha, path: path, size: size}) {
				os.Remove(path)
				stopped = true
				return evidence.ErrDone
			}
			if left--; left == 0 {
				return evidence.ErrDone
			}
			return nil
		})
		if stopped {
			return
		}
		if err != nil {
			for _, w := range owner {
				if !done[w.sha] {
					why[w.sha] = fmt.Sprintf("evidence %s (%s) not readable: %v", id, ev.Path, err)
				}
			}
			continue
		}
		for _, w := range owner {
			if !done[w.sha] && why[w.sha] == "not found in its evidence" {
				why[w.sha] = fmt.Sprintf("not found in evidence %s (%s)", id, ev.Path)
			}
		}
	}
	for _, sha := range shas {
		if !done[sha] && !send(videoCopy{sha: sha, note: "evidence not read back (" + why[sha] + "): analysed from the contact sheet"}) {
			return
		}
	}
}

// copyIfSame copies content into a private file in dir and keeps it only
// when it is still the content ingested (same SHA-256).
func copyIfSame(dir, sha string, c io.ReaderAt, size int64) (string, error) {
	f, err := os.CreateTemp(dir, "v-*")
	if err != nil {
		return "", fmt.Errorf("copy for ffmpeg: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.NewSectionReader(c, 0, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		err = fmt.Errorf("read back after %d bytes: %w", n, err)
	case hex.EncodeToString(h.Sum(nil)) != sha:
		err = fmt.Errorf("no longer holds the content ingested")
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return filepath.Clean(f.Name()), nil
}
