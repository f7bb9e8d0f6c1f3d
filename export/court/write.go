package court

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/chacha20poly1305"

	"scrim/buildinfo"
	"scrim/categorize"
	"scrim/ingest/evidence"
	"scrim/store"
)

// Attachment is a file carried in the bundle, such as the PDF report.
// Give either Data or Reader.
type Attachment struct {
	Name   string
	Data   []byte
	Reader io.Reader
}

// WriteOptions choose what goes into a bundle.
type WriteOptions struct {
	// Categories are the category codes to include; empty means every
	// illegal category of the case's scheme.
	Categories  []string
	Passphrase  string // at least MinPassphrase characters
	CreatedBy   string
	CaseName    string // default: the case directory's name
	CaseNumber  string
	Attachments []Attachment
	Notes       []string
	Clock       func() time.Time // default time.Now
	Context     context.Context  // default context.Background
	// KDF and ChunkSize default to DefaultKDF() and DefaultChunkSize; tests
	// lower them.
	KDF       KDFParams
	ChunkSize int
	// Rand supplies salt and nonces; default crypto/rand.
	Rand io.Reader
	// Generator names the program ("scrim v1.2 (commit …)"), for the
	// index; "" names this build (buildinfo).
	Generator string
}

// Summary tells what Write put in the bundle.
type Summary struct {
	SHA256        string   // of every byte written: the sidecar value
	Bytes         int64    // bundle size
	Media         int      // media included
	Originals     int      // media carried with their original bytes
	ThumbnailOnly int      // media whose original could not be read back
	Missing       int      // media with neither original nor thumbnail
	Suggestions   int      // media of the chosen categories left out: only suggested
	Attachments   int      // files attached
	Categories    []string // the chosen categories
	Chunks        int
}

// candidate is one selected media and what Write learns about it.
type candidate struct {
	entry MediaEntry
	occs  []store.Occurrence
	note  []string
}

// Write writes a bundle of the case's media in the chosen categories to w.
// Only media an examiner or a hash set categorized go in; suggestions stay
// out. Originals are read back from the evidence and checked against their
// SHA-256 before they are written.
func Write(w io.Writer, st *store.Store, opt WriteOptions) (Summary, error) {
	var sum Summary
	opt, err := opt.withDefaults(st)
	if err != nil {
		return sum, err
	}
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		return sum, fmt.Errorf("court bundle: %w", err)
	}
	chosen, err := chooseCategories(scheme, opt.Categories)
	if err != nil {
		return sum, err
	}
	sum.Categories = chosen
	cands, suggestions, err := selectMedia(st, scheme, chosen)
	if err != nil {
		return sum, fmt.Errorf("court bundle: select media: %w", err)
	}
	sum.Suggestions = suggestions

	h := header{kdf: opt.KDF, chunkSize: uint32(opt.ChunkSize)}
	if _, err := io.ReadFull(opt.Rand, h.salt[:]); err != nil {
		return sum, fmt.Errorf("court bundle: salt: %w", err)
	}
	if _, err := io.ReadFull(opt.Rand, h.prefix[:]); err != nil {
		return sum, fmt.Errorf("court bundle: nonce: %w", err)
	}
	k, err := deriveKeys(opt.Passphrase, h)
	if err != nil {
		return sum, err
	}
	h.keyCheck = k.check
	hb := h.marshal()

	digest := sha256.New()
	cw := &countWriter{w: io.MultiWriter(w, digest)}
	if _, err := cw.Write(hb); err != nil {
		return sum, fmt.Errorf("court bundle: write header: %w", err)
	}
	aead, err := chacha20poly1305.NewX(k.content[:])
	if err != nil {
		return sum, fmt.Errorf("court bundle: %w", err)
	}
	pw := &chunkWriter{w: cw, aead: aead, prefix: h.prefix, hh: sha256.Sum256(hb), buf: make([]byte, 0, opt.ChunkSize)}

	ix := Index{Format: "scrim-court", Version: Version, CaseName: opt.CaseName, CaseNumber: opt.CaseNumber,
		CreatedAt: opt.Clock().UTC(), CreatedBy: opt.CreatedBy, Generator: cmp.Or(opt.Generator, buildinfo.Get().Tool()),
		Scheme: schemeOf(scheme), Categories: chosen, Notes: opt.Notes}
	for _, a := range opt.Attachments {
		e, err := writeAttachment(pw, a)
		if err != nil {
			return sum, err
		}
		ix.Attached = append(ix.Attached, e)
	}
	if err := writeOriginals(opt.Context, st, pw, cands); err != nil {
		return sum, err
	}
	for _, c := range cands {
		if err := writeThumbnail(st, pw, c); err != nil {
			return sum, err
		}
		e := &c.entry
		switch {
		case e.OriginalSource == SourceEvidence:
			sum.Originals++
		case e.Thumbnail.Length > 0:
			e.OriginalSource = SourceThumbnail
			sum.ThumbnailOnly++
		default:
			sum.Missing++
		}
		if e.OriginalSource != SourceEvidence {
			e.OriginalNote = strings.Join(c.note, "; ")
			if e.OriginalNote == "" {
				e.OriginalNote = "no readable occurrence"
			}
		}
		ix.Media = append(ix.Media, *e)
	}
	if ix.Media == nil {
		ix.Media = []MediaEntry{}
	}
	js, err := json.Marshal(ix)
	if err != nil {
		return sum, fmt.Errorf("court bundle: encode index: %w", err)
	}
	if _, err := pw.Write(js); err != nil {
		return sum, err
	}
	if _, err := pw.Write(binary.BigEndian.AppendUint64(nil, uint64(len(js)))); err != nil {
		return sum, err
	}
	if err := pw.Close(); err != nil {
		return sum, err
	}
	sum.SHA256 = hex.EncodeToString(digest.Sum(nil))
	sum.Bytes = cw.n
	sum.Media = len(ix.Media)
	sum.Attachments = len(ix.Attached)
	sum.Chunks = int(pw.index)
	return sum, nil
}

func (opt WriteOptions) withDefaults(st *store.Store) (WriteOptions, error) {
	if utf8.RuneCountInString(opt.Passphrase) < MinPassphrase {
		return opt, fmt.Errorf("court bundle: the passphrase must have at least %d characters", MinPassphrase)
	}
	if strings.TrimSpace(opt.CreatedBy) == "" {
		return opt, errors.New("court bundle: say who creates it (CreatedBy)")
	}
	if opt.CaseName == "" {
		opt.CaseName = filepath.Base(st.Dir())
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Context == nil {
		opt.Context = context.Background()
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.KDF == (KDFParams{}) {
		opt.KDF = DefaultKDF()
	}
	if err := opt.KDF.check(openLimits()); err != nil {
		return opt, fmt.Errorf("court bundle: %w", err)
	}
	if opt.ChunkSize == 0 {
		opt.ChunkSize = DefaultChunkSize
	}
	if opt.ChunkSize < minChunkSize || opt.ChunkSize > maxChunkSize {
		return opt, fmt.Errorf("court bundle: chunk size %d out of range", opt.ChunkSize)
	}
	return opt, nil
}

// chooseCategories checks the codes against the scheme; none given means
// every illegal category.
func chooseCategories(s categorize.Scheme, codes []string) ([]string, error) {
	var out []string
	if len(codes) == 0 {
		for _, c := range s.Categories {
			if c.Illegal {
				out = append(out, c.Code)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("court bundle: scheme %s has no illegal category; name the categories", s.ID)
		}
		return out, nil
	}
	for _, code := range codes {
		if _, ok := s.ByCode(code); !ok {
			return nil, fmt.Errorf("court bundle: category %q is not in scheme %s", code, s.ID)
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out, nil
}

func schemeOf(s categorize.Scheme) Scheme {
	out := Scheme{ID: s.ID, Name: s.Name}
	for _, c := range s.Categories {
		out.Categories = append(out.Categories, SchemeCategory{Code: c.Code, Label: c.Label, Illegal: c.Illegal, Severity: c.Severity})
	}
	return out
}

// selectMedia lists the decided media of the chosen categories, the most
// severe category first, then by SHA-256.
func selectMedia(st *store.Store, s categorize.Scheme, chosen []string) ([]*candidate, int, error) {
	var out []*candidate
	suggestions := 0
	err := st.EachCategory(func(sha string, c store.Category) error {
		if !slices.Contains(chosen, c.Category) {
			return nil
		}
		if !c.Provenance().Decided() {
			suggestions++
			return nil
		}
		cat, _ := s.ByCode(c.Category)
		out = append(out, &candidate{entry: MediaEntry{SHA256: sha, Category: c.Category, CategoryLabel: cat.Label, CategorySource: c.Source}})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	for _, c := range out {
		m, ok, err := st.Media(c.entry.SHA256)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			return nil, 0, fmt.Errorf("case is inconsistent: no media record for %s", c.entry.SHA256)
		}
		e := &c.entry
		e.MD5, e.SHA1, e.Size, e.Type, e.Kind, e.MIME, e.Width, e.Height = m.MD5, m.SHA1, m.Size, m.Type, m.Kind, m.MIME, m.Width, m.Height
		if c.occs, err = st.OccurrencesOf(e.SHA256); err != nil {
			return nil, 0, err
		}
		// Allocated files first: they are the cheapest and surest to read back.
		sort.SliceStable(c.occs, func(i, j int) bool { return rank(c.occs[i]) < rank(c.occs[j]) })
		e.Occurrences = len(c.occs)
		for _, o := range c.occs[:min(len(c.occs), maxPlaces)] {
			e.Places = append(e.Places, Place{Evidence: o.Evidence, Volume: o.Volume, Path: o.Path, Deleted: o.Deleted, Carved: o.Carved, Offset: o.Offset, DevicePath: o.DevicePath})
		}
	}
	sev := func(code string) int { c, _ := s.ByCode(code); return c.Severity }
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].entry, out[j].entry
		if sev(a.Category) != sev(b.Category) {
			return sev(a.Category) > sev(b.Category)
		}
		return a.SHA256 < b.SHA256
	})
	return out, suggestions, nil
}

func rank(o store.Occurrence) int {
	switch {
	case o.Carved:
		return 2
	case o.Deleted:
		return 1
	}
	return 0
}

func writeAttachment(pw *chunkWriter, a Attachment) (AttachEntry, error) {
	e := AttachEntry{Name: a.Name}
	if a.Name == "" {
		return e, errors.New("court bundle: an attachment needs a name")
	}
	r := a.Reader
	if r == nil {
		r = bytes.NewReader(a.Data)
	}
	h := sha256.New()
	e.Offset = pw.pos
	n, err := io.Copy(io.MultiWriter(pw, h), r)
	if err != nil {
		return e, fmt.Errorf("court bundle: attach %s: %w", a.Name, err)
	}
	e.Length, e.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return e, nil
}

// writeOriginals reads the originals back, one pass per evidence item, and
// writes each one whose bytes still hash to its SHA-256.
func writeOriginals(ctx context.Context, st *store.Store, pw *chunkWriter, cands []*candidate) error {
	byEv := map[string][]*candidate{}
	var evs []string
	for _, c := range cands {
		for _, o := range c.occs {
			if o.Error != "" {
				continue
			}
			if _, ok := byEv[o.Evidence]; !ok {
				evs = append(evs, o.Evidence)
			}
			if l := byEv[o.Evidence]; len(l) == 0 || l[len(l)-1] != c {
				byEv[o.Evidence] = append(l, c)
			}
		}
	}
	sort.Strings(evs)
	for _, id := range evs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("court bundle: %w", err)
		}
		ev, ok, err := st.Evidence(id)
		if err != nil {
			return fmt.Errorf("court bundle: %w", err)
		}
		if !ok {
			for _, c := range byEv[id] {
				c.note = append(c.note, fmt.Sprintf("evidence %s is not recorded", id))
			}
			continue
		}
		var want []evidence.Locator
		var owner []*candidate
		var wantPath []string
		remaining := 0
		for _, c := range byEv[id] {
			if c.entry.OriginalSource == SourceEvidence {
				continue // read from an earlier evidence item
			}
			remaining++
			for _, o := range c.occs {
				if o.Evidence == id && o.Error == "" {
					// An embedded place is read through the file holding it.
					top, names, err := st.Outermost(o)
					if err != nil {
						c.note = append(c.note, err.Error())
						continue
					}
					want = append(want, evidence.Locator{Volume: top.Volume, Path: top.Path, Inode: top.Inode, Offset: top.Offset,
						Carved: top.Carved, Deleted: top.Deleted, Chain: strings.Join(names, evidence.ChainSeparator)})
					wantPath = append(wantPath, o.Path)
					owner = append(owner, c)
				}
			}
		}
		err = evidence.ReadBack(ctx, ev.Path, want, func(i int, content evidence.Content, size int64) error {
			c := owner[i]
			if c.entry.OriginalSource == SourceEvidence {
				return nil
			}
			ok, err := copyIfIntact(pw, c, content, size)
			if err != nil {
				return err
			}
			if ok {
				c.entry.OriginalFrom = id + ":" + wantPath[i]
				if remaining--; remaining == 0 {
					return evidence.ErrDone
				}
			}
			return nil
		})
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, errWrite) {
				return fmt.Errorf("court bundle: %w", err)
			}
			for _, c := range byEv[id] {
				c.note = append(c.note, err.Error())
			}
			continue
		}
		for _, c := range byEv[id] {
			if c.entry.OriginalSource != SourceEvidence {
				c.note = append(c.note, fmt.Sprintf("not found, or changed, in evidence %s (%s)", id, ev.Path))
			}
		}
	}
	return nil
}

// errWrite marks failures of the bundle's own output, which end the export.
var errWrite = errors.New("write bundle")

// copyIfIntact hashes the content first and writes it only when it is the
// recorded media: a file changed since ingest never enters the bundle.
func copyIfIntact(pw *chunkWriter, c *candidate, content io.ReaderAt, size int64) (bool, error) {
	if size != c.entry.Size {
		c.note = append(c.note, fmt.Sprintf("size is now %d", size))
		return false, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(content, 0, size)); err != nil {
		c.note = append(c.note, fmt.Sprintf("read: %v", err))
		return false, nil
	}
	if hex.EncodeToString(h.Sum(nil)) != c.entry.SHA256 {
		c.note = append(c.note, "content changed since ingest")
		return false, nil
	}
	off := pw.pos
	h.Reset()
	n, err := io.Copy(io.MultiWriter(pw, h), io.NewSectionReader(content, 0, size))
	if pw.err != nil {
		return false, fmt.Errorf("%w: %v", errWrite, pw.err)
	}
	if err != nil || n != size || hex.EncodeToString(h.Sum(nil)) != c.entry.SHA256 {
		// Bytes of unknown content are now in the stream; nothing points
		// at them, but the export is not what was checked: stop.
		return false, fmt.Errorf("%w: %s changed while it was copied (%v)", errWrite, c.entry.SHA256, err)
	}
	c.entry.Original = Blob{Offset: off, Length: n}
	c.entry.OriginalSource = SourceEvidence
	return true, nil
}

func writeThumbnail(st *store.Store, pw *chunkWriter, c *candidate) error {
	th, err := st.Thumbnail(c.entry.SHA256)
	if err != nil {
		return fmt.Errorf("court bundle: thumbnail of %s: %w", c.entry.SHA256, err)
	}
	if len(th) == 0 {
		return nil
	}
	off := pw.pos
	if _, err := pw.Write(th); err != nil {
		return err
	}
	sum := sha256.Sum256(th)
	c.entry.Thumbnail = Blob{Offset: off, Length: int64(len(th))}
	c.entry.ThumbnailSHA256 = hex.EncodeToString(sum[:])
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// chunkWriter seals the content stream in chunks. A full chunk is sealed
// only when more data follows, so the last one, sealed by Close, is never
// empty and is the only one marked final.
type chunkWriter struct {
	w    io.Writer
	aead interface {
		Seal(dst, nonce, pt, ad []byte) []byte
	}
	prefix [16]byte
	hh     [32]byte
	buf    []byte
	out    []byte
	index  uint64
	pos    int64 // plaintext bytes written so far
	err    error
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n := 0
	for len(p) > 0 {
		if len(c.buf) == cap(c.buf) {
			if err := c.seal(frameData); err != nil {
				return n, err
			}
		}
		k := copy(c.buf[len(c.buf):cap(c.buf)], p)
		c.buf = c.buf[:len(c.buf)+k]
		p = p[k:]
		n += k
		c.pos += int64(k)
	}
	return n, nil
}

func (c *chunkWriter) seal(typ byte) error {
	c.out = append(c.out[:0], frameHeader(typ, len(c.buf)+tagSize)...)
	c.out = c.aead.Seal(c.out, chunkNonce(c.prefix, c.index), c.buf, frameAAD(c.hh, typ, c.index))
	if _, err := c.w.Write(c.out); err != nil {
		c.err = fmt.Errorf("court bundle: write chunk %d: %w", c.index, err)
		return c.err
	}
	c.index++
	c.buf = c.buf[:0]
	return nil
}

// Close seals the final chunk.
func (c *chunkWriter) Close() error {
	if c.err != nil {
		return c.err
	}
	return c.seal(frameFinal)
}
