package court

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// ExposureRecord is one reveal of one media while the bundle was viewed
// (SHA256 empty: an event of the whole bundle, such as opening it). Seq and
// Prev are set by AppendExposure.
type ExposureRecord struct {
	Seq        int64     `json:"seq"`
	Viewer     string    `json:"viewer"`
	SHA256     string    `json:"sha256"`
	Mode       string    `json:"mode"` // e.g. "blurred", "unblurred", "colour", "original"
	Start      time.Time `json:"start"`
	DurationMS int64     `json:"duration_ms"`
	// Prev is the SHA-256 of the previous record's frame; for the first
	// record, the bundle's anchor (header and index).
	Prev string `json:"prev"`
}

const maxExposureFrame = chacha20poly1305.NonceSizeX + maxExposureSize + tagSize

// AppendExposure adds a record after everything already in the file: the
// one write a bundle ever receives. It refuses when the records already
// there do not verify, so a damaged log is never extended as if intact.
func (b *Bundle) AppendExposure(ev ExposureRecord) error {
	if strings.TrimSpace(ev.Viewer) == "" || strings.TrimSpace(ev.Mode) == "" || ev.Start.IsZero() || ev.DurationMS < 0 {
		return errors.New("exposure record: viewer, mode, start and a duration of 0 or more are required")
	}
	if _, ok := b.bySHA[ev.SHA256]; !ok && ev.SHA256 != "" {
		return fmt.Errorf("exposure record: %s: %w", ev.SHA256, ErrNoMedia)
	}
	if b.file == nil {
		return errors.New("exposure record: bundle was not opened from a file")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	w, err := os.OpenFile(b.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("exposure record: %w", err)
	}
	defer w.Close()
	unlock, err := lockAppend(w)
	if err != nil {
		return fmt.Errorf("exposure record: lock %s: %w", b.path, err)
	}
	defer unlock()
	wfi, err := w.Stat()
	if err != nil {
		return fmt.Errorf("exposure record: %w", err)
	}
	rfi, err := b.file.Stat()
	if err != nil {
		return fmt.Errorf("exposure record: %w", err)
	}
	if !os.SameFile(wfi, rfi) {
		return fmt.Errorf("exposure record: %s was replaced since it was opened", b.path)
	}
	recs, prev, err := b.readExposures(wfi.Size())
	if err != nil {
		return fmt.Errorf("exposure record: not appended, the log already fails: %w", err)
	}
	ev.Seq, ev.Prev = int64(len(recs)), prev
	ev.Start = ev.Start.UTC()
	frame, err := b.sealExposure(ev)
	if err != nil {
		return err
	}
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("exposure record: write: %w", err)
	}
	if err := w.Sync(); err != nil {
		return fmt.Errorf("exposure record: sync: %w", err)
	}
	return nil
}

func (b *Bundle) sealExposure(ev ExposureRecord) ([]byte, error) {
	js, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("exposure record: %w", err)
	}
	if len(js) > maxExposureSize {
		return nil, fmt.Errorf("exposure record: %d bytes, at most %d", len(js), maxExposureSize)
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("exposure record: nonce: %w", err)
	}
	frame := frameHeader(frameExposure, len(nonce)+len(js)+tagSize)
	frame = append(frame, nonce...)
	return b.exposure.Seal(frame, nonce, js, frameAAD(b.hh, frameExposure, uint64(ev.Seq))), nil
}

// Exposures reads every exposure record back and verifies the chain. On a
// broken chain it returns the records before the break with the error.
func (b *Bundle) Exposures() ([]ExposureRecord, error) {
	size, err := b.size()
	if err != nil {
		return nil, err
	}
	recs, _, err := b.readExposures(size)
	return recs, err
}

func (b *Bundle) size() (int64, error) {
	if b.file == nil {
		if s, ok := b.f.(interface{ Size() int64 }); ok {
			return s.Size(), nil
		}
		return b.contentEnd, nil
	}
	fi, err := b.file.Stat()
	if err != nil {
		return 0, fmt.Errorf("exposure records: %w", err)
	}
	return fi.Size(), nil
}

// readExposures parses [contentEnd, size) and returns the records and the
// hash the next record must carry as Prev.
func (b *Bundle) readExposures(size int64) ([]ExposureRecord, string, error) {
	var out []ExposureRecord
	prev := b.anchor
	off := b.contentEnd
	fh := make([]byte, frameHeaderSize)
	for seq := int64(0); off < size; seq++ {
		bad := func(format string, a ...any) ([]ExposureRecord, string, error) {
			return out, prev, fmt.Errorf("%w: record %d at byte %d: %s", ErrExposureChain, seq, off, fmt.Sprintf(format, a...))
		}
		if size-off < frameHeaderSize {
			return bad("cut short")
		}
		if _, err := b.f.ReadAt(fh, off); err != nil {
			return out, prev, fmt.Errorf("exposure record %d: %w", seq, err)
		}
		n := int64(binary.BigEndian.Uint32(fh[1:]))
		if fh[0] != frameExposure || n < chacha20poly1305.NonceSizeX+tagSize || n > maxExposureFrame {
			return bad("not an exposure record (type %q, length %d)", fh[0], n)
		}
		if size-off-frameHeaderSize < n {
			return bad("cut short")
		}
		frame := make([]byte, frameHeaderSize+n)
		if _, err := b.f.ReadAt(frame, off); err != nil && !errors.Is(err, io.EOF) {
			return out, prev, fmt.Errorf("exposure record %d: %w", seq, err)
		}
		nonce := frame[frameHeaderSize : frameHeaderSize+chacha20poly1305.NonceSizeX]
		js, err := b.exposure.Open(nil, nonce, frame[frameHeaderSize+len(nonce):], frameAAD(b.hh, frameExposure, uint64(seq)))
		if err != nil {
			return bad("does not authenticate (altered, moved or removed before it)")
		}
		var ev ExposureRecord
		if err := json.Unmarshal(js, &ev); err != nil {
			return bad("%v", err)
		}
		if ev.Seq != seq || ev.Prev != prev {
			return bad("chain broken (seq %d, prev %.16s…, want %.16s…)", ev.Seq, ev.Prev, prev)
		}
		sum := sha256.Sum256(frame)
		prev = hex.EncodeToString(sum[:])
		out = append(out, ev)
		off += frameHeaderSize + n
	}
	return out, prev, nil
}
