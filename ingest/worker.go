package ingest

import (
	"fmt"
	"io"
	"strconv"

	"scrim/ingest/digest"
	"scrim/ingest/evidence"
	"scrim/ingest/filetype"
	"scrim/store"
)

type job struct {
	entry       evidence.Entry
	occ         store.Occurrence
	previousSHA string
}

type result struct {
	rec       store.FileRecord
	bytesRead int64
}

// worker analyses one file at a time with buffers it reuses.
type worker struct {
	in     *Ingester
	hasher *digest.Hasher
	head   []byte
	data   []byte // whole content of the current picture, reused
}

func newWorker(in *Ingester) *worker {
	return &worker{in: in, hasher: digest.NewHasher(), head: make([]byte, filetype.HeadSize)}
}

func (w *worker) close() { w.hasher.Close() }

func (w *worker) process(j job) result {
	r := result{rec: store.FileRecord{Occurrence: j.occ, PreviousSHA256: j.previousSHA}}
	if j.entry.Err != nil {
		r.rec.Occurrence.Error = j.entry.Err.Error()
		return r
	}
	media, thumb, n, err := w.analyse(j.entry)
	r.bytesRead = n
	if err != nil {
		r.rec.Occurrence.Error = err.Error()
		return r
	}
	r.rec.Occurrence.SHA256 = media.SHA256
	r.rec.Occurrence.Size = media.Size
	known, err := w.in.store.HasMedia(media.SHA256)
	if err != nil {
		r.rec.Occurrence.Error = err.Error()
		return r
	}
	if !known {
		if media.Kind == string(filetype.Picture) && media.Error == "" {
			w.fingerprint(&media, &thumb)
		}
		r.rec.Media = &media
		r.rec.Thumb = thumb
	}
	return r
}

// analyse reads the entry once: sniffs its head, hashes all of it and keeps a
// copy in memory when it is a picture small enough to decode from there.
func (w *worker) analyse(e evidence.Entry) (store.Media, []byte, int64, error) {
	c, err := e.Open()
	if err != nil {
		return store.Media{}, nil, 0, fmt.Errorf("open: %w", err)
	}
	defer c.Close()
	n, err := c.ReadAt(w.head, 0)
	if err != nil && err != io.EOF {
		return store.Media{}, nil, 0, fmt.Errorf("read first bytes: %w", err)
	}
	t := filetype.Sniff(w.head[:int(min(int64(n), e.Size))])
	var tee *[]byte
	keep := t.Kind == filetype.Picture && e.Size <= w.in.opt.MaxPictureBytes
	if keep {
		w.data = w.data[:0]
		tee = &w.data
	}
	sums, err := w.hasher.Sum(io.NewSectionReader(c, 0, e.Size), e.Size, tee)
	if err != nil {
		return store.Media{}, nil, sums.Size, fmt.Errorf("hash: %w", err)
	}
	md5, sha1, sha256 := sums.Hex()
	m := store.Media{SHA256: sha256, MD5: md5, SHA1: sha1, Size: sums.Size, Type: t.Name, Kind: string(t.Kind), MIME: t.MIME}
	if t.Kind == filetype.Picture && !keep {
		m.Error = fmt.Sprintf("picture of %d bytes is over the %d-byte decode limit; hashed, not decoded", e.Size, w.in.opt.MaxPictureBytes)
	}
	return m, nil, sums.Size, nil
}

// fingerprint decodes the kept picture bytes into dimensions, perceptual
// hashes and a thumbnail. A failure is recorded on the media, not returned:
// a corrupt picture is still evidence.
func (w *worker) fingerprint(m *store.Media, thumb *[]byte) {
	res, err := w.in.analyzer.Analyze(w.data, m.Type)
	m.Width, m.Height = res.Width, res.Height
	m.Decoder = res.Decoder
	if err != nil {
		m.Error = err.Error()
		return
	}
	m.PHash = hex64(res.PHash)
	m.DHash = hex64(res.DHash)
	*thumb = res.Thumb
}

func hex64(v uint64) string {
	s := strconv.FormatUint(v, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}
