package ewf

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// image mirrors container.Image: that package dispatches to this one, so
// this one cannot import it.
type image interface {
	io.ReaderAt
	Size() int64
	Format() string
	Segments() []string
	StoredHashes() map[string]string
	Close() error
}

var _ image = (*Image)(nil)

// mediaSize is 1000 sectors beyond 6 MiB: the last 64-sector chunk is
// partial (40 sectors).
const mediaSize = 6<<20 + 1000*512

// TestFormats acquires the same media in every EWF1 flavour ewfacquire
// writes, split into 1 MiB segments, and checks the bytes, digests and
// metadata against the raw file and ewfinfo.
func TestFormats(t *testing.T) {
	need(t, "ewfacquire")
	dir := t.TempDir()
	raw, want := media(t, dir, mediaSize, 1)
	wantMD5 := md5.Sum(want)
	wantSHA1 := sha1.Sum(want)
	cases := []struct {
		format, compression string
		sha1                bool // -d sha1: a digest section
	}{
		{"encase6", "deflate:fast", true},
		{"encase6", "none", false},
		{"encase6", "deflate:best", false},
		{"encase6", "empty-block", false},
		{"encase7", "deflate:fast", true},
		{"encase5", "deflate:fast", false},
		{"encase4", "deflate:fast", false},
		{"encase2", "deflate:fast", false},
		{"encase1", "deflate:fast", false},
		{"ftk", "deflate:fast", false},
		{"linen5", "deflate:fast", false},
		{"linen6", "deflate:fast", true},
		{"ewf", "deflate:fast", false},
		{"smart", "deflate:fast", false},
		{"smart", "none", false},
	}
	for _, c := range cases {
		t.Run(c.format+"-"+c.compression, func(t *testing.T) {
			out := t.TempDir()
			var extra []string
			if c.sha1 {
				extra = []string{"-d", "sha1"}
			}
			first := acquire(t, raw, out, c.format, c.compression, 1<<20, extra...)
			im, err := Open(first)
			if err != nil {
				t.Fatal(err)
			}
			defer im.Close()
			if p := im.Problems(); len(p) > 0 {
				t.Errorf("problems on a healthy image: %q", p)
			}
			if im.Size() != mediaSize || im.Format() != "ewf" {
				t.Fatalf("size %d format %q", im.Size(), im.Format())
			}
			if len(im.Segments()) < 2 {
				t.Errorf("want several segments, got %q", im.Segments())
			}
			got := readAll(t, im)
			if sha256.Sum256(got) != sha256.Sum256(want) {
				mustEqual(t, "full read", got, want)
			}
			info := ewfinfo(t, first)
			h := im.StoredHashes()
			if h["md5"] != hex.EncodeToString(wantMD5[:]) || h["md5"] != info["MD5"] {
				t.Errorf("stored md5 %q, raw %x, ewfinfo %q", h["md5"], wantMD5, info["MD5"])
			}
			if c.sha1 && (h["sha1"] != hex.EncodeToString(wantSHA1[:]) || h["sha1"] != info["SHA1"]) {
				t.Errorf("stored sha1 %q, raw %x, ewfinfo %q", h["sha1"], wantSHA1, info["SHA1"])
			}
			if c.sha1 {
				out := runTool(t, need(t, "ewfverify"), "-q", "-d", "sha1", first)
				for _, want := range []string{"MD5 hash calculated over data:\t\t" + h["md5"], "SHA1 hash calculated over data:\t\t" + h["sha1"]} {
					if !strings.Contains(out, want) {
						t.Errorf("ewfverify does not print %q:\n%s", want, out)
					}
				}
			}
			v, err := im.Verify(context.Background(), nil)
			if err != nil || v.Status != "verified" || v.MD5 != hex.EncodeToString(wantMD5[:]) ||
				v.SHA1 != hex.EncodeToString(wantSHA1[:]) {
				t.Errorf("verify: %+v %v", v, err)
			}
			if err := randomReads(im, want, 300, 1); err != nil {
				t.Fatal(err)
			}
			lastChunk(t, im, want)
			checkMetadata(t, im, info)
		})
	}
}

// randomReads compares reads of random offsets and lengths, from a few
// bytes inside one chunk to spans of many chunks, with the raw bytes. It
// returns the first difference, so that goroutines can call it.
func randomReads(im *Image, want []byte, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 9))
	for range n {
		off := r.Int64N(int64(len(want)))
		size := 1 + r.Int64N(40)
		if r.IntN(4) == 0 {
			size = 1 + r.Int64N(600<<10)
		}
		buf := make([]byte, size)
		k, err := im.ReadAt(buf, off)
		end := min(off+size, int64(len(want)))
		if int64(k) != end-off || (end == off+size && err != nil) || (end < off+size && err != io.EOF) {
			return fmt.Errorf("ReadAt(%d, %d) = %d, %v", size, off, k, err)
		}
		if !bytes.Equal(buf[:k], want[off:end]) {
			return fmt.Errorf("ReadAt(%d, %d): wrong bytes", size, off)
		}
	}
	return nil
}

// lastChunk reads the partial last chunk alone, and across its start.
func lastChunk(t *testing.T, im *Image, want []byte) {
	t.Helper()
	start := (im.chunks - 1) * im.chunkSize
	if start == int64(len(want))-im.chunkSize {
		t.Fatalf("fixture's last chunk is not partial")
	}
	for _, off := range []int64{start, start - 100, int64(len(want)) - 1} {
		buf := make([]byte, int64(len(want))-off)
		if k, err := im.ReadAt(buf, off); k != len(buf) || err != nil {
			t.Fatalf("last chunk ReadAt(%d) = %d, %v", off, k, err)
		}
		mustEqual(t, "last chunk", buf, want[off:])
	}
	if k, err := im.ReadAt(make([]byte, 10), int64(len(want))); k != 0 || err != io.EOF {
		t.Fatalf("read at end = %d, %v", k, err)
	}
}

// checkMetadata compares the header fields with what was given to
// ewfacquire and what ewfinfo prints, where the format stores them.
func checkMetadata(t *testing.T, im *Image, info map[string]string) {
	t.Helper()
	m := im.Metadata()
	for key, label := range map[string]string{
		"case_number": "Case number", "description": "Description", "examiner": "Examiner name",
		"evidence_number": "Evidence number", "notes": "Notes",
		"acquiry_software_version": "Software version used", "acquiry_os": "Operating system used",
	} {
		if m[key] != info[label] {
			t.Errorf("metadata %s = %q, ewfinfo %s = %q", key, m[key], label, info[label])
		}
	}
	if info["Case number"] != "" && (m["case_number"] != "case 42" || m["examiner"] != "examiner Ann" ||
		m["evidence_number"] != "ev-7" || m["notes"] != "notes here" || m["description"] != "desc") {
		t.Errorf("metadata %q", m)
	}
	if m["acquisition_date"] == "" && info["Acquisition date"] != "" {
		t.Errorf("no acquisition date; ewfinfo says %q", info["Acquisition date"])
	}
	if m["bytes_per_sector"] != "512" || m["sectors_per_chunk"] != "64" {
		t.Errorf("geometry %q", m)
	}
}

// TestLowerCaseSegments opens the .e01 family by its lower-case names.
func TestLowerCaseSegments(t *testing.T) {
	need(t, "ewfacquire")
	dir := t.TempDir()
	raw, want := media(t, dir, 3<<20, 2)
	first := acquire(t, raw, dir, "ewf", "deflate:fast", 1<<20)
	if filepath.Ext(first) != ".e01" {
		t.Fatalf("ewf format wrote %s", first)
	}
	im, err := Open(first)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if len(im.Segments()) < 3 || filepath.Ext(im.Segments()[2]) != ".e03" {
		t.Fatalf("segments %q", im.Segments())
	}
	mustEqual(t, "lower-case image", readAll(t, im), want)
}

// TestConcurrentReads shares one Image among goroutines, as the file
// system layers do.
func TestConcurrentReads(t *testing.T) {
	need(t, "ewfacquire")
	dir := t.TempDir()
	raw, want := media(t, dir, 3<<20, 8)
	im, err := Open(acquire(t, raw, dir, "encase6", "deflate:fast", 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	errs := make(chan error)
	for g := range 4 {
		go func() { errs <- randomReads(im, want, 100, uint64(g)) }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
