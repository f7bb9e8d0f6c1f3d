package hashset

import (
	"strings"
	"testing"
)

func icseExport() string {
	rows := []string{
		"MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;Series name;Date added;Baseline",
		strings.ToUpper(md5Of("a")) + ";" + sha1Of("a") + ";AAMANw==;1001;Yes;No;No;Series A;2021-03-04;Yes",
		md5Of("b") + ";;;1002;0;1;1;\"Series; B\";2021-03-05;0",
		";" + strings.ToUpper(sha1Of("c")) + ";;1003;true;false;false;;2021-03-06;",
		"",                                   // blank: skipped
		md5Of("d") + ";BADSHA1;;1004;;;;;;1", // bad
		";;;1005;;;;;;1",                     // bad: no digest
		md5Of("f") + ";" + sha1Of("f") + ";;1006;;;;Series F", // short row: missing columns are empty
	}
	return bom + strings.Join(rows, "\r\n") + "\r\n"
}

func TestICSE(t *testing.T) {
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadICSE(strings.NewReader(icseExport()), Options{}, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, "icse", "csv", 6, 4, 2, []int{6, 7})
	if sum.Vocabulary != VocabICSE {
		t.Errorf("vocabulary %q", sum.Vocabulary)
	}
	wantEntry(t, got[0], Entry{MD5: md5Of("a"), SHA1: sha1Of("a"), PhotoDNA: "AAMANw==", MediaID: "1001",
		IsDistributed: true, Series: "Series A", Code: CodeBaseline, SourceCategory: "Baseline=Yes", Line: 2})
	wantEntry(t, got[1], Entry{MD5: md5Of("b"), MediaID: "1002", VictimIdentified: true, OffenderIdentified: true,
		Series: "Series; B", SourceCategory: "Baseline=0", Line: 3})
	wantEntry(t, got[2], Entry{SHA1: sha1Of("c"), MediaID: "1003", IsDistributed: true, Line: 4})
	wantEntry(t, got[3], Entry{MD5: md5Of("f"), SHA1: sha1Of("f"), MediaID: "1006", Series: "Series F", Line: 8})

	// Columns are found by name, in any order and case; an examiner
	// category applies to non-baseline rows.
	doc := "extra;sha1;BASELINE\nq;" + sha1Of("z") + ";false\n"
	got, _, err = collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadICSE(strings.NewReader(doc), Options{Category: "2"}, fn)
	})
	if err != nil || len(got) != 1 || got[0].Category != "2" || got[0].SHA1 != sha1Of("z") {
		t.Errorf("reordered header: %+v %v", got, err)
	}
}

func TestICSEWrongFormat(t *testing.T) {
	for _, tc := range []struct{ doc, msg string }{
		{"\x89PNG\r\n\x1a\n\x00\x00", "the file is a PNG image"},
		{"name,md5\nx," + md5Of("x") + "\n", "not a ';'-separated header with an MD5 or SHA1 column"},
		{"", "no header line"},
	} {
		_, _, err := collect(t, func(fn func(Entry) error) (Summary, error) {
			return ReadICSE(strings.NewReader(tc.doc), Options{}, fn)
		})
		wantErr(t, err, tc.msg)
	}
}
