package hashset

import (
	"strings"
	"testing"
)

func TestTextMixed(t *testing.T) {
	lines := []string{
		bom + "# exported 2024-05-01", // 1 comment (with BOM)
		strings.ToUpper(md5Of("a")),   // 2
		"",                            // 3 blank
		sha1Of("b") + "  holiday.jpg", // 4 md5sum style
		"   ",                         // 5 blank
		sha256Of("c") + " *bin.dat",   // 6 binary-mode md5sum style
		"not a digest",                // 7 bad
		md5Of("d")[:31],               // 8 bad: short
		`"` + md5Of("e") + `",foo,12`, // 9 CSV, first column quoted
		md5Of("f") + "zz",             // 10 bad: wrong length
		strings.Repeat("g", 32),       // 11 bad: not hex
		md5Of("h") + ";x",             // 12
		"\t# indented comment",        // 13
		md5Of("i"),                    // 14 (no final newline)
	}
	doc := strings.Join(lines, "\r\n")
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadText(strings.NewReader(doc), Options{Category: "1"}, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, "text", "mixed", 10, 6, 4, []int{7, 8, 10, 11})
	if sum.Vocabulary != "" {
		t.Errorf("vocabulary %q", sum.Vocabulary)
	}
	want := []Entry{
		{MD5: md5Of("a"), Category: "1", Line: 2},
		{SHA1: sha1Of("b"), Category: "1", FileName: "holiday.jpg", Line: 4},
		{SHA256: sha256Of("c"), Category: "1", FileName: "bin.dat", Line: 6},
		{MD5: md5Of("e"), Category: "1", Line: 9},
		{MD5: md5Of("h"), Category: "1", Line: 12},
		{MD5: md5Of("i"), Category: "1", Line: 14},
	}
	for i := range want {
		wantEntry(t, got[i], want[i])
	}
}

func TestTextCSVHeader(t *testing.T) {
	doc := "FileName;Size;SHA1;Note\n" +
		"a.jpg;12;" + strings.ToUpper(sha1Of("a")) + ";x\n" +
		"b.jpg;13;;empty\n" + // bad
		`"c;d.jpg";14;` + sha1Of("c") + "\n" +
		"short\n" // bad: no such column
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadText(strings.NewReader(doc), Options{}, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, "text", "sha1", 4, 2, 2, []int{3, 5})
	wantEntry(t, got[0], Entry{SHA1: sha1Of("a"), Line: 2})
	wantEntry(t, got[1], Entry{SHA1: sha1Of("c"), Line: 4})
}

func TestTextVariants(t *testing.T) {
	for _, tc := range []struct{ doc, variant string }{
		{md5Of("a") + "\n" + md5Of("b") + "\n", "md5"},
		{sha256Of("a") + "\n", "sha256"},
		{"# nothing\n\n", "empty"},
	} {
		_, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
			return ReadText(strings.NewReader(tc.doc), Options{}, fn)
		})
		if err != nil || sum.Variant != tc.variant {
			t.Errorf("%q: variant %q err %v", tc.doc, sum.Variant, err)
		}
	}
}

func TestTextWrongFormat(t *testing.T) {
	for _, tc := range []struct{ doc, msg string }{
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is a PNG image"},
		{bom + ` {"@odata.context":"x","value":[]}`, "the file is JSON"},
		{"SQLite format 3\x00....", "an SQLite database"},
		{"hello\nworld\n", "no MD5/SHA-1/SHA-256 digest in 2 lines (first bad line 1)"},
	} {
		_, _, err := collect(t, func(fn func(Entry) error) (Summary, error) {
			return ReadText(strings.NewReader(tc.doc), Options{}, fn)
		})
		wantErr(t, err, tc.msg)
	}
}

// A line longer than the cap is one bad line, and reading goes on.
func TestTextLongLine(t *testing.T) {
	doc := md5Of("a") + "\n" + strings.Repeat("x", 3*maxLine) + "\n" + md5Of("b")
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadText(strings.NewReader(doc), Options{}, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, "text", "md5", 3, 2, 1, []int{2})
	if got[1].Line != 3 {
		t.Errorf("line %d", got[1].Line)
	}
}

func TestTextUTF16(t *testing.T) {
	_, err := ReadText(strings.NewReader("\xFF\xFEa\x00b\x00"), Options{}, func(Entry) error { return nil })
	wantErr(t, err, "UTF-16 text (save it as UTF-8 to import it)")
}

// A data line is never taken for a header, whatever its other fields say.
func TestTextFirstLineNotHeader(t *testing.T) {
	got, _, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadText(strings.NewReader(md5Of("a")+",md5\n"+md5Of("b")+",md5\n"), Options{}, fn)
	})
	if err != nil || len(got) != 2 {
		t.Errorf("%v %+v", err, got)
	}
}
