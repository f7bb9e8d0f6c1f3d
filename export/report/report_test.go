package report

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/categorize"
	"scrim/store"
)

// synthMedia is the media record of a made-up content number i.
func synthMedia(i int, kind string) *store.Media {
	s := sha256.Sum256([]byte(fmt.Sprint("content", i)))
	m := md5.Sum([]byte(fmt.Sprint("content", i)))
	return &store.Media{SHA256: hex.EncodeToString(s[:]), MD5: hex.EncodeToString(m[:]), SHA1: strings.Repeat("0", 40),
		Size: int64(1000 + i), Type: "jpeg", Kind: kind}
}

// smallCase writes, through the store API: 10 media in two evidence items,
// live, deleted and carved places, an unreadable place, an undecodable
// picture, and categories from a hash set, an examiner and a suggestion.
func smallCase(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "C-17"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"EX1", "EX2"} {
		if err := st.PutEvidence(store.Evidence{ID: id, Path: "/seized/" + id + "/café 東京", Format: "raw", Size: 1 << 30, Examiner: "alice",
			FirstIngested: at, LastIngested: at, Status: "complete", StoredHashes: map[string]string{"md5": strings.Repeat("a", 32)},
			Verification: &store.Verification{Status: "verified", Computed: map[string]string{"md5": strings.Repeat("a", 32)}, At: at}}); err != nil {
			t.Fatal(err)
		}
	}
	b := st.NewBatch()
	add := func(ev, path string, m *store.Media, deleted, carved bool) {
		o := store.Occurrence{Evidence: ev, Volume: "1", Path: path, Deleted: deleted, Carved: carved, Size: 10}
		if m != nil {
			o.SHA256 = m.SHA256
		} else {
			o.Error = "read: I/O error"
		}
		if _, err := b.Add(store.FileRecord{Occurrence: o, Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	var ms []*store.Media
	for i := range 10 {
		kind := "picture"
		switch {
		case i == 8:
			kind = "video"
		case i == 9:
			kind = "other"
		}
		m := synthMedia(i, kind)
		if i == 7 {
			m.Error = "truncated JPEG"
		}
		ms = append(ms, m)
		add("EX1", fmt.Sprintf("/a/%d.jpg", i), m, false, false)
	}
	add("EX1", "/a/0-copy.jpg", ms[0], true, false)
	add("EX2", "/carved/0", ms[0], false, true)
	add("EX2", "/b/1.jpg", ms[1], false, false)
	add("EX2", "/b/unreadable", nil, false, false)
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	cats := map[int]store.Category{
		0: {Category: "1", Source: "hashset:lab"}, 1: {Category: "1", Source: "examiner:bob"},
		2: {Category: "5", Source: "examiner:bob"}, 3: {Category: "1", Source: "suggested:" + ms[0].SHA256 + " (d=3)"},
		8: {Category: "2", Source: "hashset:lab", Conflict: []string{"2 by lab", "5 by other"}},
	}
	for i, c := range cats {
		if err := st.PutCategory(ms[i].SHA256, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutHashSet(store.HashSet{ID: "lab", Name: "lab", Format: "text", Entries: 3, Matched: 2, ImportedAt: at, By: "alice"}); err != nil {
		t.Fatal(err)
	}
	st.Audit("alice", "ingest", nil, at)
	st.Audit("bob", "categorize", nil, at.Add(time.Hour))
	return st
}

func TestBuildCountsAgreeWithStats(t *testing.T) {
	st := smallCase(t)
	r, err := Build(st, Options{Tool: "scrim test", Now: time.Unix(1e9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := st.Stats()
	tot := r.Case.Total
	if tot.Unique != s.Unique || tot.Occurrences != s.Occurrences || tot.Pictures != s.Pictures || tot.Videos != s.Videos || tot.Other != s.Other {
		t.Fatalf("total %+v, stats %+v", tot, s.Counts)
	}
	if r.CaseNumber != "C-17" || !r.CaseNumberDerived {
		t.Errorf("case number %q derived %v", r.CaseNumber, r.CaseNumberDerived)
	}
	cat1 := r.Case.Rows[1]
	if cat1.Code != "1" || cat1.Unique != 2 || cat1.Occurrences != 5 || cat1.Live != 3 || cat1.Deleted != 1 || cat1.Carved != 1 {
		t.Errorf("category 1 row %+v", cat1)
	}
	if r.Review[srcHashSet].Media != 2 || r.Review[srcExaminer].Media != 2 || r.Review[srcSuggested].Media != 1 || r.Review[srcNone].Media != 5 {
		t.Errorf("review %+v", r.Review)
	}
	if r.Unreadable != 1 || r.Undecoded != 1 || r.Conflicts != 1 {
		t.Errorf("unreadable %d undecoded %d conflicts %d", r.Unreadable, r.Undecoded, r.Conflicts)
	}
	for i, e := range r.PerExhibit {
		if got, want := e.Total, s.Evidence[i].Counts; got.Unique != want.Unique || got.Occurrences != want.Occurrences {
			t.Errorf("%s: %+v, stats %+v", e.Evidence, got, want)
		}
	}
	// Most severe first: category 1 (both media), then 2, then 5.
	if len(r.Appendix) != 3 || r.Appendix[0].Code != "1" || len(r.Appendix[0].Rows) != 2 || r.Appendix[2].Code != "5" || r.AppendixTotal != 4 {
		t.Errorf("appendix %+v", r.Appendix)
	}
	if len(r.Examiners) != 2 || r.Examiners[1].Name != "bob" || r.Examiners[1].Decisions != 1 {
		t.Errorf("examiners %+v", r.Examiners)
	}
}

func TestAppendixCapKeepsTheGravest(t *testing.T) {
	st := smallCase(t)
	r, err := Build(st, Options{Now: time.Unix(1e9, 0), AppendixCap: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.AppendixListed != 3 || r.AppendixTotal != 4 || len(r.Appendix[0].Rows) != 2 || len(r.Appendix[2].Rows) != 0 {
		t.Fatalf("listed %d of %d: %+v", r.AppendixListed, r.AppendixTotal, r.Appendix)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "capped at 3 rows") || !strings.Contains(page.String(), "--format csv") {
		t.Error("a capped appendix must say so and point to the CSV export")
	}
}

// TestRenderDeterministicAndWellFormed: same case, same time, same bytes,
// for both formats; the HTML parses as strict XML.
func TestRenderDeterministicAndWellFormed(t *testing.T) {
	st := smallCase(t)
	render := func() (pdf, page []byte) {
		r, err := Build(st, Options{CaseNumber: "2026/1", Title: "A & B <test>", Tool: "scrim test", Now: time.Unix(1e9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		var p, h bytes.Buffer
		if err := WritePDF(&p, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteHTML(&h, r); err != nil {
			t.Fatal(err)
		}
		return p.Bytes(), h.Bytes()
	}
	p1, h1 := render()
	p2, h2 := render()
	if !bytes.Equal(p1, p2) || !bytes.Equal(h1, h2) {
		t.Fatal("two renderings of the same case at the same time differ")
	}
	if !bytes.HasPrefix(p1, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", p1)
	}
	dec := xml.NewDecoder(bytes.NewReader(h1))
	dec.Strict = true
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("HTML not well-formed: %v", err)
		}
	}
	if !bytes.Contains(h1, []byte("café 東京")) || !bytes.Contains(h1, []byte("A &amp; B &lt;test&gt;")) {
		t.Error("HTML lost or failed to escape text")
	}
}

// An empty case still makes a report that says so, in both formats.
func TestEmptyCase(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "empty"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := Build(st, Options{Now: time.Unix(1e9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := WritePDF(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "The case holds 0 unique files") {
		t.Error("empty case report does not say it is empty")
	}
}

// Exact lab library matches have their own row in "Who set the
// categories", naming the cases and examiners cited; the hash-set row
// counts hash sets alone.
func TestLabMatchesOwnReviewRow(t *testing.T) {
	st := smallCase(t)
	sch, _ := categorize.SchemeByID("vic-us")
	eng := categorize.NewEngine(st, sch)
	eng.SetLibrary("")
	var hits []categorize.LabHit
	for _, i := range []int{4, 5} {
		hits = append(hits, categorize.LabHit{Media: synthMedia(i, "picture").SHA256, Record: fmt.Sprint("r", i),
			Source: "A-1/alice", Category: "1", Scheme: "vic-us", Distance: -1})
	}
	if _, err := eng.ApplyLab(context.Background(), "postgres://lab/scrim", hits); err != nil {
		t.Fatal(err)
	}
	r, err := Build(st, Options{Tool: "scrim test", Now: time.Unix(1e9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Review[srcHashSet].Media != 2 || r.Review[srcLab].Media != 2 || r.Review[srcExaminer].Media != 2 || r.Review[srcNone].Media != 3 {
		t.Fatalf("review %+v", r.Review)
	}
	var rows [][]string
	for _, b := range r.Blocks() {
		if b.Kind == "table" && b.Table != nil && len(b.Table.Head) > 0 && b.Table.Head[0] == "Source" {
			rows = b.Table.Rows
		}
	}
	want := [][]string{{"Category from a hash set", "2"}, {"Category from the lab library (cases A-1; examiners alice)", "2"}, {"Category decided by an examiner", "2"}}
	if len(rows) != 6 {
		t.Fatalf("review table %v", rows)
	}
	for i, w := range want {
		if rows[i][0] != w[0] || rows[i][1] != w[1] {
			t.Errorf("review row %d: %v, want %v", i, rows[i][:2], w)
		}
	}
	// Without a lab the table keeps its four rows.
	plain, err := Build(smallCase(t), Options{Tool: "scrim test", Now: time.Unix(1e9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range plain.Blocks() {
		if b.Kind == "table" && b.Table != nil && len(b.Table.Head) > 0 && b.Table.Head[0] == "Source" && len(b.Table.Rows) != 5 {
			t.Errorf("review table without a lab: %v", b.Table.Rows)
		}
	}
}
