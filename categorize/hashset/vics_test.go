package hashset

import (
	"errors"
	"strings"
	"testing"
)

const bom = "\xEF\xBB\xBF"

// A VICS 2.0 US hash set the way national portals export it: BOM, CRLF,
// upper-case hex, string flags, numbers as strings, /Date()/ stamps,
// Category null, and a few records that cannot be used.
func vics2HashSet() string {
	return bom + `{` + "\r\n" +
		`"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",` + "\r\n" +
		`"value":[` + "\r\n" +
		`{"MediaID":1,"Category":1,"MD5":"` + strings.ToUpper(md5Of("a")) + `","SHA1":"` + strings.ToUpper(sha1Of("a")) + `",` +
		`"MediaSize":2835,"DateUpdated":"/Date(1234567890000)/","VictimIdentified":"true","OffenderIdentified":"false",` +
		`"IsDistributed":true,"IsPrecategorized":"True","Series":"Series X","Comments":"seen","Tags":"tag1, tag2",` +
		`"PhotoDNA":"AAMANwAB"},` + "\r\n" +
		`{"MediaID":"2","Category":"2","MD5":"` + md5Of("b") + `","MediaSize":"1024","DateUpdated":"2023-06-07T02:31:49.8300Z"},` + "\r\n" +
		`{"MediaID":3,"Category":null,"SHA1":"` + sha1Of("c") + `"},` + "\r\n" +
		`{"MediaID":4,"Category":0,"MD5":"` + md5Of("d") + `","IsDistributed":"false"},` + "\r\n" +
		`{"MediaID":5,"Category":1,"MD5":"NOT-A-DIGEST"},` + "\r\n" + // bad: invalid MD5
		`{"MediaID":6,"Category":3},` + "\r\n" + // bad: no digest
		`42,` + "\r\n" + // bad: not an object
		`{"MediaID":8,"Category":4,"MD5":"` + md5Of("h") + `","Tags":["x","y"],"AlternativeHashes":[{"HashName":"SHA256","HashValue":"` + strings.ToUpper(sha256Of("h")) + `"}]},` + "\r\n" +
		`{"MediaID":9,"Category":"7","MD5":"` + md5Of("i") + `"}` + "\r\n" +
		`]}` + "\r\n"
}

func TestVICS2USHashSet(t *testing.T) {
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadVICS(strings.NewReader(vics2HashSet()), Options{}, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, "vics", "2.0 US", 9, 6, 3, []int{5, 6, 7})
	if sum.Vocabulary != VocabVICSUS {
		t.Errorf("vocabulary %q", sum.Vocabulary)
	}
	if len(got) != 6 {
		t.Fatalf("%d entries", len(got))
	}
	wantEntry(t, got[0], Entry{MD5: md5Of("a"), SHA1: sha1Of("a"), Code: "1", SourceCategory: "1",
		MediaID: "1", PhotoDNA: "AAMANwAB", Series: "Series X", Comments: "seen", Tags: []string{"tag1", "tag2"},
		Size: 2835, VictimIdentified: true, IsDistributed: true, IsPrecategorized: true, Line: 1})
	wantEntry(t, got[1], Entry{MD5: md5Of("b"), Code: "2", SourceCategory: "2", MediaID: "2", Size: 1024, Line: 2})
	wantEntry(t, got[2], Entry{SHA1: sha1Of("c"), MediaID: "3", Line: 3})
	wantEntry(t, got[3], Entry{MD5: md5Of("d"), Code: "0", SourceCategory: "0", MediaID: "4", Line: 4})
	wantEntry(t, got[4], Entry{MD5: md5Of("h"), SHA256: sha256Of("h"), Code: "4", SourceCategory: "4",
		MediaID: "8", Tags: []string{"x", "y"}, Line: 8})
	wantEntry(t, got[5], Entry{MD5: md5Of("i"), Code: "7", SourceCategory: "7", MediaID: "9", Line: 9})
}

// A VICS 1.x case file: cases hold the Media, and one Media keeps its
// digest on its MediaFiles only.
func TestVICS1Case(t *testing.T) {
	doc := `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",
"value":[{"CaseID":"{0B5E2B5C-3C1A-4E0B-9A57-1C1D2E3F4A5B}","CaseNumber":"2024-17","SourceApplicationName":"Test",
  "Media":[
    {"MediaID":1,"Category":1,"MD5":"` + md5Of("one") + `","MediaFiles":[{"FileName":"IMG_0001.JPG","FilePath":"C:\\Users\\x\\IMG_0001.JPG","Created":"/Date(1300000000000+0100)/"}]},
    {"MediaID":2,"Category":"0","MediaFiles":[{"FilePath":"C:\\pics\\two.jpg","MD5":"` + strings.ToUpper(md5Of("two")) + `","SHA1":"` + sha1Of("two") + `"}]},
    {"MediaID":3,"Category":2,"MediaFiles":[{"FileName":"nohash.jpg"}]},
    {"MediaID":4,"Category":2,"MD5":"` + md5Of("four") + `","RelativeFilePath":"VIC_Files\\four.png"}
  ],
  "ContactName":"after media"},
 {"CaseID":"second","Media":[{"MediaID":5,"Category":3,"SHA1":"` + sha1Of("five") + `"}]}
]}`
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadVICS(strings.NewReader(doc), Options{}, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, "vics", "1.x", 5, 4, 1, []int{3})
	if sum.Vocabulary != VocabVICSUS {
		t.Errorf("vocabulary %q", sum.Vocabulary)
	}
	if len(got) != 4 {
		t.Fatalf("%d entries", len(got))
	}
	wantEntry(t, got[0], Entry{MD5: md5Of("one"), Code: "1", SourceCategory: "1", MediaID: "1", FileName: "IMG_0001.JPG", Line: 1})
	wantEntry(t, got[1], Entry{MD5: md5Of("two"), SHA1: sha1Of("two"), Code: "0", SourceCategory: "0", MediaID: "2", FileName: "two.jpg", Line: 2})
	wantEntry(t, got[2], Entry{MD5: md5Of("four"), Code: "2", SourceCategory: "2", MediaID: "4", FileName: "four.png", Line: 4})
	wantEntry(t, got[3], Entry{SHA1: sha1Of("five"), Code: "3", SourceCategory: "3", MediaID: "5", Line: 5})
}

func TestVICS2UKCase(t *testing.T) {
	var media []string
	for i, c := range []string{`1`, `2`, `3`, `4`, `0`, `"B"`, `9`, `null`} {
		media = append(media, `{"MediaID":`+string(rune('1'+i))+`,"Category":`+c+`,"MD5":"`+md5Of(c)+`"}`)
	}
	doc := bom + `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases",
"value":[{"CaseID":"{X}","SourceApplicationName":"Clees4All","Media":[` + strings.Join(media, ",") + `]}]}`
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadVICS(strings.NewReader(doc), Options{}, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary(t, sum, "vics", "2.0 UK", 8, 8, 0, nil)
	if sum.Vocabulary != VocabVICSUK {
		t.Errorf("vocabulary %q", sum.Vocabulary)
	}
	var cats, srcs []string
	for _, e := range got {
		cats = append(cats, e.Code)
		srcs = append(srcs, e.SourceCategory)
	}
	// Letters are the UK model's other spelling of 1-3; unknown codes
	// are handed on as they are, for the importer to refuse or map.
	if strings.Join(cats, ",") != "1,2,3,4,0,2,9," || strings.Join(srcs, ",") != "1,2,3,4,0,B,9," {
		t.Errorf("categories %v from %v", cats, srcs)
	}
}

func TestVICSVariants(t *testing.T) {
	for _, tc := range []struct{ ctx, variant, vocab string }{
		{`"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"`, "2.0 Default", VocabVICSUS},
		{`"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/CUSTOM/$metadata#Media"`, "2.0 CUSTOM", VocabVICSCustom},
		{`"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/NL/$metadata#Media"`, "2.0 NL", VocabVICSCustom},
		{`"@odata.context":"http://example.org/$metadata#Media"`, "2.0 Default", VocabVICSUS},
	} {
		doc := `{` + tc.ctx + `,"value":[{"MD5":"` + md5Of("x") + `","Category":0}]}`
		got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
			return ReadVICS(strings.NewReader(doc), Options{}, fn)
		})
		if err != nil || sum.Variant != tc.variant || sum.Vocabulary != tc.vocab || len(got) != 1 || got[0].Code != "0" {
			t.Errorf("%s: variant %q vocabulary %q err %v entries %+v", tc.ctx, sum.Variant, sum.Vocabulary, err, got)
		}
	}
}

func TestVICSWrongFormat(t *testing.T) {
	for _, tc := range []struct{ doc, msg string }{
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is a PNG image"},
		{`{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","items":[]}`, `no "value" array`},
		{`{"name":"something else"}`, `no "odata.metadata"/"@odata.context" key and no "value" array`},
		{`{"value":[{"MD5":"` + md5Of("x") + `"}],"@odata.context":"x"}`, `"value" is not preceded by`},
		{`[1,2,3]`, "the JSON is not an object"},
		{`MD5,SHA1`, "not a JSON document"},
		{`{"@odata.context":"x","value":{"MD5":"` + md5Of("x") + `"}}`, `"value" is not an array`},
		{"", "not a JSON document"},
	} {
		_, _, err := collect(t, func(fn func(Entry) error) (Summary, error) {
			return ReadVICS(strings.NewReader(tc.doc), Options{}, fn)
		})
		wantErr(t, err, tc.msg)
	}
}

// A download cut off mid-file: the entries before the cut are delivered,
// then a clear error.
func TestVICSTruncated(t *testing.T) {
	doc := vics2HashSet()
	doc = doc[:strings.Index(doc, `{"MediaID":4`)+20]
	got, sum, err := collect(t, func(fn func(Entry) error) (Summary, error) {
		return ReadVICS(strings.NewReader(doc), Options{}, fn)
	})
	wantErr(t, err, "after record 3: file ends inside the JSON (truncated?)")
	if len(got) != 3 || sum.Entries != 3 {
		t.Errorf("got %d entries, summary %+v", len(got), sum)
	}
}

// The caller can stop an import: its error comes back unchanged inside.
func TestCallbackStops(t *testing.T) {
	stop := errors.New("store full")
	calls := 0
	fn := func(Entry) error { calls++; return stop }
	_, err := ReadVICS(strings.NewReader(vics2HashSet()), Options{}, fn)
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("vics: %v after %d calls", err, calls)
	}
	calls = 0
	_, err = ReadText(strings.NewReader(md5Of("a")+"\n"+md5Of("b")), Options{}, fn)
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("text: %v after %d calls", err, calls)
	}
	calls = 0
	_, err = ReadICSE(strings.NewReader(icseExport()), Options{}, fn)
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("icse: %v after %d calls", err, calls)
	}
}

// A Media set's elements are decoded whole; one that is not an object is
// bad, one that is a case after all has its Media read.
func TestVICSMediaSetFastPath(t *testing.T) {
	md5a, md5b := strings.Repeat("ab", 16), strings.Repeat("CD", 16)
	doc := `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[` +
		`{"MediaID":1,"Category":"1","md5":"` + md5a + `","MediaFiles":[{"FileName":"a.jpg"}]},` +
		`5,` +
		`{"CaseID":"x","Media":[{"Category":2,"MD5":"` + md5b + `"},{"bad":1}]}]}`
	var got []Entry
	sum, err := ReadVICS(strings.NewReader(doc), Options{}, func(e Entry) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 4 || sum.Entries != 2 || sum.Bad != 2 {
		t.Fatalf("summary %+v", sum)
	}
	if got[0].MD5 != md5a || got[0].Code != "1" || got[0].FileName != "a.jpg" || got[0].MediaID != "1" {
		t.Errorf("first %+v", got[0])
	}
	if got[1].MD5 != strings.ToLower(md5b) || got[1].Code != "2" {
		t.Errorf("second %+v", got[1])
	}
}

// The Media set scanner hands the rest of the document back to the
// decoder, and stops with an error on broken or truncated JSON.
func TestVICSMediaSetScannerEdges(t *testing.T) {
	head := `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media","value":[`
	md5 := strings.Repeat("ef", 16)
	rec := `{"Category":3,"MD5":"` + md5 + `"}`
	for _, c := range []struct {
		name, doc string
		entries   int64
		err       string
	}{
		{"trailing keys", head + rec + ` , ` + rec + `], "odata.count": 2, "extra": {"a": [1, 2]}}`, 2, ""},
		{"empty", head + ` ]}`, 0, ""},
		{"bad element syntax", head + rec + `, {"MD5": "x" "Category": 1}]}`, 1, "not valid JSON"},
		{"truncated", head + rec + `, {"MD5": "` + md5, 1, "truncated"},
		{"no closing", head + rec, 1, "truncated"},
		{"junk between", head + rec + ` x ` + rec + `]}`, 1, "invalid character"},
		{"broken after", head + rec + `], "x": }`, 1, "after record 1"},
	} {
		sum, err := ReadVICS(strings.NewReader(c.doc), Options{}, func(Entry) error { return nil })
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		}
		if sum.Entries != c.entries {
			t.Errorf("%s: %d entries, want %d", c.name, sum.Entries, c.entries)
		}
	}
}
