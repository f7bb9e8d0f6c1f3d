package benchrow

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRowRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 4, 19, 31, 0, 0, time.UTC)
	rows := []Row{
		{Path: "ingest/digest-sum", What: "MD5+SHA-1+SHA-256 in one pass, 64 MiB", Scrim: "600 MB/s",
			Baseline: "MD5 alone 620 MB/s", Ratio: 0.968, LoadStart: 2.2, LoadEnd: 2.41, At: at},
		{Path: "x", What: "a | b", Scrim: "s\nt", Baseline: "", Ratio: 0, LoadStart: -1, LoadEnd: -1},
		{Path: "zip", What: "`unzip -p \\| md5sum`", Scrim: "1", Baseline: "2", Ratio: 123.4, LoadStart: 0, LoadEnd: 30, At: at},
	}
	for _, r := range rows {
		line := r.String()
		got, err := Parse("BenchmarkX-2 \t" + line + "\n")
		if err != nil {
			t.Fatalf("Parse(%q): %v", line, err)
		}
		if got.String() != line {
			t.Errorf("round trip:\n%s\n%s", line, got.String())
		}
	}
	for x, want := range map[float64]string{0.004978: "0.00497×", 0.53: "0.53×", 0.29: "0.29×", 4.488: "4.48×", 1.999: "1.99×", 12.34: "12.3×", 123.4: "123×", 0: None} {
		if got := FormatRatio(x); got != want {
			t.Errorf("FormatRatio(%v) = %q, want %q", x, got, want)
		}
	}
	// A ratio that an older line rounded to 0.00 stays as printed.
	small := "BENCHROW path=a | what=b | scrim=c | baseline=d | ratio=0.00× | load=— | at=—"
	if r, err := Parse(small); err != nil || r.String() != small {
		t.Errorf("Parse(%q) = %q, %v", small, r.String(), err)
	}
	got, _ := Parse(rows[1].String())
	if got.What != "a | b" || got.Scrim != "s t" || got.Baseline != None {
		t.Errorf("values: %+v", got)
	}
	if !strings.Contains(rows[0].String(), "ratio=0.96× | load=2.20 → 2.41 | at=2026-12-04T19:31Z") {
		t.Errorf("format: %s", rows[0])
	}
}

func TestParseErrors(t *testing.T) {
	for line, want := range map[string]string{
		"no marker":                "no \"BENCHROW\"",
		"BENCHROW path=a | what=b": "2 fields",
		"BENCHROW path=a b | what=b | scrim=c | baseline=d | ratio=1× | load=1 → 2":          "without spaces",
		"BENCHROW path=a | what=b | scrim=c | baseline=d | ratio=-1× | load=1 → 2":           "ratio \"-1×\"",
		"BENCHROW path=a | what=b | scrim=c | baseline=d | ratio=fast | load=1 → 2":          "ratio \"fast\"",
		"BENCHROW path=a | what=b | scrim=c | baseline=d | ratio=1× | load=high":             "load \"high\"",
		"BENCHROW path=a | what=b | scrim=c | base=d | ratio=1× | load=1 → 2":                "want baseline=",
		"BENCHROW path=a | what=b | scrim= | baseline=d | ratio=1× | load=1 → 2":             "must not be empty",
		"BENCHROW path=a | what=b | scrim=c | baseline=d | ratio=1× | load=— | at=yesterday": "at \"yesterday\"",
	} {
		_, err := Parse(line)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", line, err, want)
		}
	}
}

func TestFormat(t *testing.T) {
	for got, want := range map[string]string{
		Rate(21862.4, "files/s"):         "21,800 files/s",
		Rate(199938, "rows/s"):           "199,000 rows/s", // not "200,000": a target's edge
		Rate(1.89e6, "lines/s"):          "1,890,000 lines/s",
		Rate(326.9, "pictures/s"):        "326 pictures/s",
		Rate(0.29, "files/s"):            "0.29 files/s",
		Seconds(1234 * time.Second):      "1,240 s",
		Seconds(43 * time.Second):        "43.0 s",
		Seconds(4541 * time.Millisecond): "4.55 s",
		Seconds(850 * time.Millisecond):  "850 ms",
		MiB(347 << 20):                   "347 MiB",
		MiB(347<<20 + 1):                 "348 MiB",
		MiB(1342177280):                  "1.25 GiB",
		Count(21862.4):                   "21,900",
		Count(0):                         "0",
		Count(7):                         "7",
		Count(7.25):                      "7.25",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestMeter(t *testing.T) {
	m := Start("store/batch-add")
	r := m.Row("w", "s", None, 1.5)
	if r.Path != "store/batch-add" || r.At.IsZero() {
		t.Fatalf("row: %+v", r)
	}
	if _, err := Parse(r.String()); err != nil {
		t.Fatal(err)
	}
}

// FuzzParse: any line gives a row or an error, never a panic, and a row
// parsed once prints a line that parses back to the same line.
func FuzzParse(f *testing.F) {
	f.Add("BENCHROW path=a | what=b \\| c | scrim=1 | baseline=— | ratio=— | load=— | at=—")
	f.Add("BenchmarkX-2 \tBENCHROW path=ingest/x | what=w | scrim=s | baseline=b | ratio=0.97× | load=2.20 → 2.41 | at=2026-12-04T19:31Z")
	f.Add("BENCHROW path=a | what=b | scrim=c | baseline=d | ratio=1e308x | load=1->2")
	f.Add("ratio 0.004978")
	f.Fuzz(func(t *testing.T, line string) {
		if x, err := strconv.ParseFloat(strings.TrimPrefix(line, "ratio "), 64); err == nil {
			r := Row{Path: "p", What: "w", Scrim: "s", Ratio: x, LoadStart: x, LoadEnd: x}
			if _, err := Parse(r.String()); err != nil {
				t.Fatalf("a row made of %v does not parse: %v", x, err)
			}
		}
		r, err := Parse(line)
		if err != nil {
			return
		}
		again, err := Parse(r.String())
		if err != nil {
			t.Fatalf("%q parsed, its String %q does not: %v", line, r.String(), err)
		}
		if again.String() != r.String() {
			t.Fatalf("not stable:\n%s\n%s", r.String(), again.String())
		}
	})
}
