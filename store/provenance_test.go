package store

import "testing"

// The typed provenance must write exactly the text Scrim always stored, and
// read back every text already on disk, known or not, without loss.
func TestProvenanceText(t *testing.T) {
	sha := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	for _, tc := range []struct {
		p    Provenance
		text string
	}{
		{Examiner("alice"), "examiner:alice"},
		{HashSetSource("lab set"), "hashset:lab set"},
		{Suggestion(sha, 3), "suggested:" + sha + " (d=3)"},
		{Suggestion(sha, 0), "suggested:" + sha + " (d=0)"},
	} {
		if got := tc.p.String(); got != tc.text {
			t.Errorf("%+v: String %q, want %q", tc.p, got, tc.text)
		}
		if got := ParseProvenance(tc.text); got != tc.p {
			t.Errorf("parse %q: %+v, want %+v", tc.text, got, tc.p)
		}
	}
	for _, text := range []string{"", "examiner:", "hashset:a:b", "suggested:x", "suggested:x (d=z)", "suggested:x (d=03)", "suggested:x (d=+3)", ":", ":x", "undo:bob", "legacy text"} {
		if got := ParseProvenance(text).String(); got != text {
			t.Errorf("round trip of %q gives %q", text, got)
		}
	}
	if !Examiner("a").Decided() || !HashSetSource("s").Decided() || Suggestion(sha, 1).Decided() || ParseProvenance("undo:a").Decided() {
		t.Error("only examiners and hash sets decide")
	}
	if k := (Category{Source: "suggested:" + sha + " (d=7)"}).Provenance(); k.Kind != FromSuggestion || k.From != sha || k.Distance != 7 {
		t.Errorf("Category.Provenance %+v", k)
	}
}

// FuzzParseProvenance: any stored text reads back without panic and
// renders to exactly the same text, so nothing on disk is lost or altered.
func FuzzParseProvenance(f *testing.F) {
	for _, s := range []string{"examiner:alice", "hashset:lab", "suggested:ab (d=3)", "suggested:ab (d=-1)", "suggested: (d=)", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := ParseProvenance(s).String(); got != s {
			t.Fatalf("%q reads back as %q", s, got)
		}
	})
}
