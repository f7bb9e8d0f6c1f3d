package hashset

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Realistic digests of small strings, so fixtures hold real values.
func md5Of(s string) string    { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func sha1Of(s string) string   { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func sha256Of(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// collect runs a reader and gathers its entries.
func collect(t *testing.T, read func(func(Entry) error) (Summary, error)) ([]Entry, Summary, error) {
	t.Helper()
	var got []Entry
	sum, err := read(func(e Entry) error { got = append(got, e); return nil })
	if err == nil {
		checkInvariants(t, got, sum)
	}
	return got, sum, err
}

// checkInvariants holds for every successful read.
func checkInvariants(t testing.TB, got []Entry, sum Summary) {
	t.Helper()
	if sum.Entries != int64(len(got)) || sum.Entries+sum.Bad != sum.Records {
		t.Fatalf("counts: %d entries handed, summary %+v", len(got), sum)
	}
	for _, e := range got {
		for _, d := range []struct {
			v string
			n int
		}{{e.MD5, 32}, {e.SHA1, 40}, {e.SHA256, 64}} {
			if d.v == "" {
				continue
			}
			if len(d.v) != d.n || strings.ToLower(d.v) != d.v {
				t.Fatalf("bad digest %q in %+v", d.v, e)
			}
			if _, err := hex.DecodeString(d.v); err != nil {
				t.Fatalf("bad digest %q in %+v", d.v, e)
			}
		}
		if e.MD5 == "" && e.SHA1 == "" && e.SHA256 == "" {
			t.Fatalf("entry without digest: %+v", e)
		}
		// A source code always comes with the vocabulary that gives it a
		// meaning, spelled the one way the importer's table and --map use.
		if e.Code != "" && (sum.Vocabulary == "" || (sum.Format == "vics" && NormalizeCode(e.Code) != e.Code)) {
			t.Fatalf("code %q in vocabulary %q: %+v", e.Code, sum.Vocabulary, e)
		}
	}
}

func wantEntry(t *testing.T, got, want Entry) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entry line %d:\n got %+v\nwant %+v", want.Line, got, want)
	}
}

func wantSummary(t *testing.T, sum Summary, format, variant string, records, entries, bad int64, firstBad []int) {
	t.Helper()
	if sum.Format != format || sum.Variant != variant || sum.Records != records ||
		sum.Entries != entries || sum.Bad != bad || fmt.Sprint(sum.FirstBad) != fmt.Sprint(firstBad) {
		t.Errorf("summary %+v, want %s/%s records=%d entries=%d bad=%d firstBad=%v",
			sum, format, variant, records, entries, bad, firstBad)
	}
}

func wantErr(t *testing.T, err error, substr string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), substr) {
		t.Errorf("error %v, want one containing %q", err, substr)
	}
}
