package court

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"scrim/store"
)

const pass = "correct horse battery staple"

// fastKDF keeps tests quick; bundles written by the CLI use DefaultKDF.
var fastKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// testCase is a real case on disk: a folder evidence item of JPEGs,
// ingested through the store API as the ingest pipeline records them.
type testCase struct {
	st       *store.Store
	evidence string
	files    map[string][]byte // evidence path → bytes
	sha      map[string]string // evidence path → SHA-256
	thumbs   map[string][]byte // SHA-256 → thumbnail
}

func noiseJPEG(t testing.TB, seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// openCase makes an empty case with one folder evidence item, EX1.
func openCase(t testing.TB) *testCase {
	t.Helper()
	tc := &testCase{evidence: filepath.Join(t.TempDir(), "seized"), files: map[string][]byte{}, sha: map[string]string{}, thumbs: map[string][]byte{}}
	st, err := store.Open(filepath.Join(t.TempDir(), "case-42"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tc.st = st
	if err := st.PutEvidence(store.Evidence{ID: "EX1", Path: tc.evidence, Format: "directory", Status: "complete"}); err != nil {
		t.Fatal(err)
	}
	return tc
}

// add writes a file into the evidence and records it as ingest would.
func (tc *testCase) add(t testing.TB, b *store.Batch, p string, data, thumb []byte, cat store.Category) store.Occurrence {
	t.Helper()
	full := filepath.Join(tc.evidence, filepath.FromSlash(p))
	os.MkdirAll(filepath.Dir(full), 0o755)
	if err := os.WriteFile(full, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(full)
	s256, s1, m5 := sha256.Sum256(data), sha1.Sum(data), md5.Sum(data)
	sha := hex.EncodeToString(s256[:])
	tc.files[p], tc.sha[p], tc.thumbs[sha] = data, sha, thumb
	m := &store.Media{SHA256: sha, MD5: hex.EncodeToString(m5[:]), SHA1: hex.EncodeToString(s1[:]), Size: int64(len(data)),
		Type: "jpeg", Kind: "picture", MIME: "image/jpeg", Width: 64, Height: 64}
	o := store.Occurrence{Evidence: "EX1", Path: p, Inode: fi.Sys().(*syscall.Stat_t).Ino, Size: m.Size, SHA256: sha}
	if _, err := b.Add(store.FileRecord{Occurrence: o, Media: m, Thumb: thumb}); err != nil {
		t.Fatal(err)
	}
	if err := tc.st.PutCategory(sha, cat); err != nil {
		t.Fatal(err)
	}
	return o
}

// newCase writes five pictures and records them: a.jpg and b.jpg category 1
// by an examiner, c.jpg category 1 by a hash set (and deleted from the
// evidence afterwards: thumbnail only), d.jpg a suggestion of 1, e.jpg
// category 5.
func newCase(t testing.TB) *testCase {
	t.Helper()
	tc := openCase(t)
	b := tc.st.NewBatch()
	cats := map[string]store.Category{
		"/a.jpg":     {Category: "1", Source: "examiner:alice"},
		"/sub/b.jpg": {Category: "1", Source: "examiner:alice"},
		"/c.jpg":     {Category: "1", Source: "hashset:lab"},
		"/d.jpg":     {Category: "1", Source: "suggested:x (d=3)"},
		"/e.jpg":     {Category: "5", Source: "examiner:alice"},
	}
	for i, p := range []string{"/a.jpg", "/sub/b.jpg", "/c.jpg", "/d.jpg", "/e.jpg"} {
		o := tc.add(t, b, p, noiseJPEG(t, uint64(i), 64+16*i), noiseJPEG(t, uint64(100+i), 16), cats[p])
		if p == "/a.jpg" { // a second place holding the same bytes, in evidence that is gone
			o.Evidence, o.Path = "EX9", "/copy.jpg"
			b.Add(store.FileRecord{Occurrence: o})
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(tc.evidence, "c.jpg"))
	return tc
}

func fixedClock() time.Time { return time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) }

func writeBundle(t testing.TB, tc *testCase, opt WriteOptions) (string, Summary) {
	t.Helper()
	if opt.Passphrase == "" {
		opt.Passphrase = pass
	}
	if opt.CreatedBy == "" {
		opt.CreatedBy = "alice"
	}
	if opt.KDF == (KDFParams{}) {
		opt.KDF = fastKDF
	}
	if opt.Clock == nil {
		opt.Clock = fixedClock
	}
	if opt.ChunkSize == 0 {
		opt.ChunkSize = 4096
	}
	p := filepath.Join(t.TempDir(), "case"+Ext)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Write(f, tc.st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p, sum
}

func mustOpen(t testing.TB, p string) *Bundle {
	t.Helper()
	b, err := Open(p, pass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestRoundTrip(t *testing.T) {
	tc := newCase(t)
	report := []byte("%PDF-1.7 pretend report")
	p, sum := writeBundle(t, tc, WriteOptions{CaseNumber: "2026-0042", Attachments: []Attachment{
		{Name: "report.pdf", Data: report},
		{Name: "summary.txt", Reader: strings.NewReader("three media")},
	}})
	raw, _ := os.ReadFile(p)
	fileSum := sha256.Sum256(raw)
	if sum.SHA256 != hex.EncodeToString(fileSum[:]) || sum.Bytes != int64(len(raw)) {
		t.Fatalf("summary %+v does not describe the %d-byte file", sum, len(raw))
	}
	if sum.Media != 3 || sum.Originals != 2 || sum.ThumbnailOnly != 1 || sum.Suggestions != 1 || sum.Attachments != 2 || sum.Chunks < 4 {
		t.Fatalf("summary %+v", sum)
	}
	// Nothing readable leaks: no JPEG start, no file's first 64 bytes, no names.
	for path, data := range tc.files {
		if bytes.Contains(raw, data[:64]) {
			t.Errorf("%s appears in plain text", path)
		}
	}
	for sha, thumb := range tc.thumbs {
		if len(thumb) >= 32 && bytes.Contains(raw, thumb[:32]) {
			t.Errorf("the thumbnail of %s appears in plain text", sha)
		}
	}
	// A JPEG start as Go writes it (SOI, then DQT), not the bare three-byte
	// FF D8 FF: that turns up by chance in a few percent of random
	// ciphertexts this size.
	for _, s := range []string{"\xff\xd8\xff\xdb", "%PDF", "a.jpg", "alice", tc.sha["/a.jpg"]} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("%q appears in plain text", s)
		}
	}

	b := mustOpen(t, p)
	ix := b.Index()
	if ix.CaseName != "case-42" || ix.CaseNumber != "2026-0042" || ix.CreatedBy != "alice" || !ix.CreatedAt.Equal(fixedClock()) ||
		ix.Scheme.ID != "vic-us" || strings.Join(ix.Categories, ",") != "1" {
		t.Fatalf("index %+v", ix)
	}
	if len(b.Media()) != 3 {
		t.Fatalf("%d media", len(b.Media()))
	}
	for _, m := range b.Media() {
		th, err := b.Thumbnail(m.SHA256)
		if err != nil || !bytes.Equal(th, tc.thumbs[m.SHA256]) {
			t.Errorf("thumbnail of %s: %v", m.SHA256, err)
		}
		if m.Category != "1" || m.CategoryLabel != "Child abuse material" || m.MD5 == "" || m.SHA1 == "" {
			t.Errorf("entry %+v", m)
		}
	}
	for _, path := range []string{"/a.jpg", "/sub/b.jpg"} {
		m, _ := b.MediaEntry(tc.sha[path])
		got, err := b.Original(tc.sha[path])
		if err != nil || !bytes.Equal(got, tc.files[path]) || m.OriginalSource != SourceEvidence || m.OriginalFrom != "EX1:"+path {
			t.Errorf("%s: original %d bytes, %v, entry %+v", path, len(got), err, m)
		}
	}
	a, _ := b.MediaEntry(tc.sha["/a.jpg"])
	if a.Occurrences != 2 || len(a.Places) != 2 || a.CategorySource != "examiner:alice" {
		t.Errorf("a.jpg entry %+v", a)
	}
	c, _ := b.MediaEntry(tc.sha["/c.jpg"])
	if _, err := b.Original(c.SHA256); !errors.Is(err, ErrNoOriginal) || c.OriginalSource != SourceThumbnail || c.OriginalNote == "" {
		t.Errorf("deleted original: %v, entry %+v", err, c)
	}
	for _, path := range []string{"/d.jpg", "/e.jpg"} {
		if _, ok := b.MediaEntry(tc.sha[path]); ok {
			t.Errorf("%s is in the bundle", path)
		}
	}
	if got, err := b.Attachment("report.pdf"); err != nil || !bytes.Equal(got, report) {
		t.Errorf("report: %q %v", got, err)
	}
	if got, err := b.Attachment("summary.txt"); err != nil || string(got) != "three media" {
		t.Errorf("summary: %q %v", got, err)
	}
	if _, err := b.Attachment("nope"); err == nil {
		t.Error("missing attachment found")
	}
	chk, err := b.Check()
	if err != nil || chk.ContentSHA256 != sum.SHA256 || chk.Originals != 2 || chk.Thumbnails != 3 || chk.Attachments != 2 {
		t.Fatalf("check %+v %v", chk, err)
	}
	after, _ := os.ReadFile(p)
	if !bytes.Equal(raw, after) {
		t.Fatal("reading changed the bundle")
	}
}

func TestWriteRejects(t *testing.T) {
	tc := newCase(t)
	var buf bytes.Buffer
	for _, opt := range []WriteOptions{
		{Passphrase: "short", CreatedBy: "a"},
		{Passphrase: pass},
		{Passphrase: pass, CreatedBy: "a", Categories: []string{"9"}},
		{Passphrase: pass, CreatedBy: "a", KDF: KDFParams{Time: 1, MemoryKiB: 2 << 20, Threads: 1}},
	} {
		if _, err := Write(&buf, tc.st, opt); err == nil {
			t.Errorf("accepted %+v", opt)
		}
	}
	// Other categories, the real KDF.
	sum, err := Write(&buf, tc.st, WriteOptions{Passphrase: pass, CreatedBy: "a", Categories: []string{"5", "5"}})
	if err != nil || sum.Media != 1 || strings.Join(sum.Categories, ",") != "5" {
		t.Fatalf("%+v %v", sum, err)
	}
}

func TestWrongPassphrase(t *testing.T) {
	p, _ := writeBundle(t, newCase(t), WriteOptions{})
	if _, err := Open(p, "correct horse battery stapler"); !errors.Is(err, ErrWrongPass) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), pass); err == nil {
		t.Fatal("missing file opened")
	}
}

func TestTruncated(t *testing.T) {
	p, _ := writeBundle(t, newCase(t), WriteOptions{})
	raw, _ := os.ReadFile(p)
	cuts := []int{0, 5, 10, 50, headerSize, headerSize + 3, headerSize + 4000, len(raw) / 2, len(raw) - 17, len(raw) - 1}
	for _, n := range cuts {
		q := filepath.Join(t.TempDir(), fmt.Sprintf("cut%d", n))
		os.WriteFile(q, raw[:n], 0o600)
		b, err := Open(q, pass)
		if err == nil {
			b.Close()
			t.Errorf("cut at %d of %d opened", n, len(raw))
			continue
		}
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrNotBundle) && !errors.Is(err, ErrCorrupt) {
			t.Errorf("cut at %d: unclassified error %v", n, err)
		}
	}
}

// flip returns a copy of the bundle with one byte changed, written to a file.
func flip(t *testing.T, raw []byte, at int) string {
	t.Helper()
	c := bytes.Clone(raw)
	c[at] ^= 0x40
	q := filepath.Join(t.TempDir(), fmt.Sprintf("flip%d", at))
	if err := os.WriteFile(q, c, 0o600); err != nil {
		t.Fatal(err)
	}
	return q
}

func TestTamperedContent(t *testing.T) {
	tc := newCase(t)
	p, _ := writeBundle(t, tc, WriteOptions{})
	raw, _ := os.ReadFile(p)
	b := mustOpen(t, p)
	fs := b.frameSize()
	// Every byte of the header, then bytes inside chunks 0, 1 and the last.
	spots := []int{}
	for i := 0; i < headerSize; i += 7 {
		spots = append(spots, i)
	}
	spots = append(spots, headerSize, headerSize+4, headerSize+5+100, headerSize+int(fs)+2000, len(raw)-1, len(raw)-100)
	for _, at := range spots {
		q := flip(t, raw, at)
		bb, err := Open(q, pass)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPass) && !errors.Is(err, ErrNotBundle) && !errors.Is(err, ErrTruncated) {
				t.Errorf("flip at %d: unclassified %v", at, err)
			}
			continue
		}
		err = bb.Verify()
		bb.Close()
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("flip at %d: verify says %v", at, err)
		}
	}
}

func TestReorderedChunks(t *testing.T) {
	p, _ := writeBundle(t, newCase(t), WriteOptions{})
	raw, _ := os.ReadFile(p)
	b := mustOpen(t, p)
	fs := int(b.frameSize())
	if b.chunks < 3 {
		t.Fatalf("only %d chunks", b.chunks)
	}
	c := bytes.Clone(raw)
	one, two := headerSize+fs, headerSize+2*fs
	copy(c[one:one+fs], raw[two:two+fs])
	copy(c[two:two+fs], raw[one:one+fs])
	q := filepath.Join(t.TempDir(), "swapped")
	os.WriteFile(q, c, 0o600)
	openOrVerifyFails(t, q, "swapped chunks")
	// A chunk dropped from the middle.
	os.WriteFile(q, append(bytes.Clone(raw[:one]), raw[two:]...), 0o600)
	openOrVerifyFails(t, q, "dropped chunk")
	// The final chunk swapped for a data chunk.
	last := len(raw) - int(b.finalLen+tagSize+frameHeaderSize)
	os.WriteFile(q, append(bytes.Clone(raw[:last]), raw[one:one+fs]...), 0o600)
	openOrVerifyFails(t, q, "final chunk replaced")
}

// openOrVerifyFails: a damaged bundle must fail to open or to verify, as ErrCorrupt or ErrTruncated.
func openOrVerifyFails(t *testing.T, q, what string) {
	t.Helper()
	b, err := Open(q, pass)
	if err == nil {
		err = b.Verify()
		b.Close()
	}
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
		t.Errorf("%s: %v", what, err)
	}
}

func TestExposureRecord(t *testing.T) {
	tc := newCase(t)
	p, sum := writeBundle(t, tc, WriteOptions{})
	before, _ := os.ReadFile(p)
	b := mustOpen(t, p)
	if recs, err := b.Exposures(); err != nil || len(recs) != 0 {
		t.Fatalf("fresh bundle: %v %v", recs, err)
	}
	sha := tc.sha["/a.jpg"]
	start := fixedClock().Add(time.Hour)
	for i, mode := range []string{"unblurred", "colour", "original"} {
		if err := b.AppendExposure(ExposureRecord{Viewer: "Judge Smith", SHA256: sha, Mode: mode, Start: start.Add(time.Duration(i) * time.Minute), DurationMS: 4000}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AppendExposure(ExposureRecord{Viewer: "x", SHA256: strings.Repeat("0", 64), Mode: "m", Start: start}); err == nil {
		t.Fatal("exposure of a media not in the bundle accepted")
	}
	if err := b.AppendExposure(ExposureRecord{SHA256: sha, Mode: "m", Start: start}); err == nil {
		t.Fatal("exposure without a viewer accepted")
	}
	after, _ := os.ReadFile(p)
	if !bytes.Equal(after[:len(before)], before) {
		t.Fatal("appending rewrote existing bytes")
	}
	// Another handle (the desktop reopening the bundle) sees the chain.
	b2 := mustOpen(t, p)
	recs, err := b2.Exposures()
	if err != nil || len(recs) != 3 || recs[2].Mode != "original" || recs[1].Seq != 1 || recs[0].Prev != b2.anchor || recs[0].Viewer != "Judge Smith" || !recs[0].Start.Equal(start) {
		t.Fatalf("exposures %+v %v", recs, err)
	}
	if bytes.Contains(after, []byte("Judge")) {
		t.Fatal("exposure record in plain text")
	}
	// The content check ignores the exposure section.
	chk, err := b2.Check()
	if err != nil || chk.ContentSHA256 != sum.SHA256 {
		t.Fatalf("content check after appends: %+v %v", chk, err)
	}

	// A flipped byte in the second record.
	frames := frameStarts(after, len(before))
	recStart, third := frames[1], frames[2]
	q := flip(t, after, recStart+40)
	bf := mustOpen(t, q)
	if err := bf.Verify(); err != nil {
		t.Fatalf("content must still verify: %v", err)
	}
	recs, err = bf.Exposures()
	if !errors.Is(err, ErrExposureChain) || len(recs) != 1 {
		t.Fatalf("tampered record: %d records, %v", len(recs), err)
	}
	if err := bf.AppendExposure(ExposureRecord{Viewer: "v", SHA256: sha, Mode: "m", Start: start}); !errors.Is(err, ErrExposureChain) {
		t.Fatalf("append to a broken log: %v", err)
	}
	// The second record removed: the third no longer chains.
	cut := append(bytes.Clone(after[:recStart]), after[third:]...)
	os.WriteFile(q, cut, 0o600)
	if recs, err := mustOpen(t, q).Exposures(); !errors.Is(err, ErrExposureChain) || len(recs) != 1 {
		t.Fatalf("removed record: %d, %v", len(recs), err)
	}
	// A torn last record.
	os.WriteFile(q, after[:len(after)-3], 0o600)
	if recs, err := mustOpen(t, q).Exposures(); !errors.Is(err, ErrExposureChain) || len(recs) != 2 {
		t.Fatalf("torn record: %d, %v", len(recs), err)
	}
	// Records copied from another bundle do not chain onto this one.
	p2, _ := writeBundle(t, tc, WriteOptions{})
	other, _ := os.ReadFile(p2)
	os.WriteFile(q, append(other, after[len(before):]...), 0o600)
	if recs, err := mustOpen(t, q).Exposures(); !errors.Is(err, ErrExposureChain) || len(recs) != 0 {
		t.Fatalf("transplanted records: %d, %v", len(recs), err)
	}
}

// frameStarts lists the offsets of the frames from off to the end.
func frameStarts(raw []byte, off int) []int {
	var out []int
	for off+frameHeaderSize <= len(raw) {
		out = append(out, off)
		off += frameHeaderSize + int(binary.BigEndian.Uint32(raw[off+1:]))
	}
	return out
}

// TestWriteFailure: a full disk ends the export with an error.
func TestWriteFailure(t *testing.T) {
	tc := newCase(t)
	_, err := Write(&limitedWriter{left: 5000}, tc.st, WriteOptions{Passphrase: pass, CreatedBy: "a", KDF: fastKDF, ChunkSize: 4096})
	if err == nil {
		t.Fatal("write to a full disk succeeded")
	}
}

type limitedWriter struct{ left int }

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		n := l.left
		l.left = 0
		return n, errors.New("no space left on device")
	}
	l.left -= len(p)
	return len(p), nil
}

// FuzzOpen: whatever the file holds, the reader answers with an error or a
// bundle whose every method answers without panicking.
func FuzzOpen(f *testing.F) {
	// A small seed keeps each run and the minimizer fast.
	tc := openCase(f)
	b := tc.st.NewBatch()
	tc.add(f, b, "/x.jpg", []byte("\xff\xd8\xff tiny original"), []byte("thumb"), store.Category{Category: "1", Source: "examiner:a"})
	if err := b.Flush(); err != nil {
		f.Fatal(err)
	}
	var seed bytes.Buffer
	if _, err := Write(&seed, tc.st, WriteOptions{Passphrase: pass, CreatedBy: "a", KDF: fastKDF, ChunkSize: 4096, Clock: fixedClock,
		Attachments: []Attachment{{Name: "r.txt", Data: []byte("report")}}}); err != nil {
		f.Fatal(err)
	}
	raw := seed.Bytes()
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add(raw[:headerSize+10])
	f.Add([]byte(Magic))
	f.Add([]byte("random bytes that are not a bundle at all"))
	lim := limits{maxTime: 2, maxMemoryKiB: 256, maxThreads: 2}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := open(bytes.NewReader(data), int64(len(data)), pass, lim)
		if err != nil {
			return
		}
		for _, m := range b.Media() {
			b.Thumbnail(m.SHA256)
			b.Original(m.SHA256)
		}
		for _, a := range b.Index().Attached {
			b.Attachment(a.Name)
		}
		b.Exposures()
		b.Verify()
	})
}

// TestChangedEvidence: a file changed since ingest, or evidence gone, never
// enters the bundle as an original; the thumbnail stands in and the index says why.
func TestChangedEvidence(t *testing.T) {
	tc := newCase(t)
	p := filepath.Join(tc.evidence, "sub", "b.jpg")
	changed := bytes.Clone(tc.files["/sub/b.jpg"])
	changed[len(changed)/2] ^= 0xff
	os.WriteFile(p, changed, 0o644)
	path, sum := writeBundle(t, tc, WriteOptions{})
	if sum.Originals != 1 || sum.ThumbnailOnly != 2 {
		t.Fatalf("summary %+v", sum)
	}
	b := mustOpen(t, path)
	m, _ := b.MediaEntry(tc.sha["/sub/b.jpg"])
	if m.OriginalSource != SourceThumbnail || !strings.Contains(m.OriginalNote, "changed since ingest") {
		t.Fatalf("changed file: %+v", m)
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, changed[:64]) {
		t.Fatal("changed file in plain text")
	}

	os.RemoveAll(tc.evidence)
	path, sum = writeBundle(t, tc, WriteOptions{})
	if sum.Originals != 0 || sum.ThumbnailOnly != 3 {
		t.Fatalf("evidence gone: %+v", sum)
	}
	for _, m := range mustOpen(t, path).Media() {
		if !strings.Contains(m.OriginalNote, "read back") && !strings.Contains(m.OriginalNote, "not recorded") {
			t.Errorf("note %q", m.OriginalNote)
		}
	}
}

// TestConcurrentAppends: two handles on one file (two viewer windows, or
// two processes) append at once; the lock keeps the chain whole.
func TestConcurrentAppends(t *testing.T) {
	tc := newCase(t)
	p, _ := writeBundle(t, tc, WriteOptions{})
	b1, b2 := mustOpen(t, p), mustOpen(t, p)
	sha := tc.sha["/a.jpg"]
	errs := make(chan error, 40)
	for _, b := range []*Bundle{b1, b2, b1, b2} {
		go func() {
			for range 10 {
				errs <- b.AppendExposure(ExposureRecord{Viewer: "v", SHA256: sha, Mode: "unblurred", Start: fixedClock(), DurationMS: 1})
				b.Thumbnail(sha)
			}
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	recs, err := b2.Exposures()
	if err != nil || len(recs) != 40 || recs[39].Seq != 39 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
}
