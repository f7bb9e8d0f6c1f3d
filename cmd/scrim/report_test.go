package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"scrim/export/report"
	"scrim/store"
	"scrim/testdata/demo"
)

// reportCase builds a case as an examiner would: a seized folder and a FAT
// disk image with deleted and carved files, a hash-set import and examiner
// decisions, so every category source (hash set, examiner, suggestion, none)
// and every kind of place (live, deleted, carved) shows in the report.
func reportCase(t *testing.T) (caseDir string, picked []string) {
	t.Helper()
	img, _ := fatDisk(t)
	root := filepath.Join(t.TempDir(), "evidence")
	man, err := demo.Generate(root, demo.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	caseDir = filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, "--examiner", "alice", "--evidence", "EX-A", root)
	mustScrim(t, "ingest", "--case", caseDir, "--examiner", "carol", "--evidence", "EXH-2", img)
	byPath := rowsByPath(readRows(t, caseDir))
	for _, f := range man.Files {
		if f.Variant == "original" && f.Kind == "picture" {
			picked = append(picked, byPath["/"+f.Path].SHA256)
		}
	}
	list := filepath.Join(t.TempDir(), "known.txt")
	os.WriteFile(list, []byte(picked[0]+"\n"+picked[1]+"\n"), 0o644)
	mustScrim(t, "hashset", "import", "--case", caseDir, "--examiner", "alice", "--format", "text", "--category", "1", "--name", "lab-a", list)
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "bob", "--category", "3", picked[2], picked[3])
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "bob", "--category", "5", picked[4])
	return caseDir, picked
}

// TestReportExport: the PDF and HTML reports of a real case say what
// `scrim stats` says, carry the case number and "Page n of N" on every
// page, are not blank, parse as XML, hold no picture, have a manifest
// with their SHA-256, and differ between two runs only in the time.
func TestReportExport(t *testing.T) {
	pdftotext := needTool(t, "pdftotext", "poppler-utils")
	pdftoppm := needTool(t, "pdftoppm", "poppler-utils")
	caseDir, picked := reportCase(t)
	stats := readStats(t, caseDir)
	rows := rowsBySHA(readRows(t, caseDir))
	out := t.TempDir()
	pdf1, pdf2 := filepath.Join(out, "r1.pdf"), filepath.Join(out, "r2.pdf")
	html1, html2 := filepath.Join(out, "r1.html"), filepath.Join(out, "r2.html")
	mustScrim(t, "export", "--case", caseDir, "--format", "pdf", "--out", pdf1, "--case-number", "2026/0417", "--title", "Operation Ünïcode")
	mustScrim(t, "export", "--case", caseDir, "--format", "html", "--out", html1)
	mustScrim(t, "export", "--case", caseDir, "--format", "pdf", "--out", pdf2)
	mustScrim(t, "export", "--case", caseDir, "--format", "html", "--out", html2)

	text := func(p string, layout bool) string {
		args := []string{"-enc", "UTF-8", p, "-"}
		if layout {
			args = append([]string{"-layout"}, args...)
		}
		b, err := exec.Command(pdftotext, args...).Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", p, err)
		}
		return string(b)
	}
	layout := text(pdf1, true)

	// Every page: the case number in the header, "Page n of N" in the footer.
	pages := strings.Split(strings.TrimRight(layout, "\f\n"), "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "Case 2026/0417 — Operation Ünïcode") {
			t.Errorf("page %d lacks the case header:\n%.300s", i+1, p)
		}
		if want := fmt.Sprintf("Page %d of %d", i+1, len(pages)); !strings.Contains(p, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
	}

	// The totals are `scrim stats`' numbers: the case first, then each
	// evidence item in stats order.
	pdfTotals := categoryTotals(layout)
	want := []store.Counts{stats.Counts}
	for _, e := range stats.Evidence {
		want = append(want, e.Counts)
	}
	if len(pdfTotals) != len(want) {
		t.Fatalf("%d category tables with a total, want %d:\n%s", len(pdfTotals), len(want), layout)
	}
	for i, c := range want {
		got := pdfTotals[i]
		if got[0] != c.Unique || got[1] != c.Pictures || got[2] != c.Videos || got[3] != c.Other || got[4] != c.Occurrences {
			t.Errorf("table %d total %v, stats %+v", i, got, c)
		}
		if got[5]+got[6]+got[7]+got[8] != c.Occurrences {
			t.Errorf("table %d: live+deleted+carved+embedded %v != %d places", i, got[5:], c.Occurrences)
		}
	}
	if ex := pdfTotals[1:]; ex[0][6]+ex[1][6] == 0 || ex[0][7]+ex[1][7] == 0 {
		t.Errorf("the disk image's deleted and carved places are missing: %v", ex)
	}
	flat := strings.Join(strings.Fields(layout), " ")
	for _, s := range []string{
		fmt.Sprintf("The case holds %d unique files", stats.Unique),
		"Category from a hash set 2 2 0 0", "Category decided by an examiner 3 3 0 0",
		"lab-a text sha256 2 0 2", "Operation Ünïcode", "Child abuse material", "alice", "bob", "carol",
		"EXH-2", "Container type raw", "the hash chain holds", "All 5 categorized media are listed.",
	} {
		if !strings.Contains(flat, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
	if !regexp.MustCompile(`Suggestion only \(near-duplicate, not confirmed\) [1-9]`).MatchString(flat) ||
		!regexp.MustCompile(`No category \(not reviewed\) [1-9]`).MatchString(flat) {
		t.Error("suggestion-only or unreviewed media missing from the review table")
	}
	for _, sha := range picked[:5] {
		if !strings.Contains(flat, sha) || !strings.Contains(flat, rows[sha].MD5) {
			t.Errorf("appendix lacks %s / %s", sha, rows[sha].MD5)
		}
	}

	// A rendered page has ink on it.
	png := filepath.Join(out, "page")
	if b, err := exec.Command(pdftoppm, "-r", "50", "-f", "2", "-l", "2", "-png", "-singlefile", pdf1, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
	if ink := inkFraction(t, png+".png"); ink < 0.01 {
		t.Errorf("page 2 is blank: %.4f of pixels dark", ink)
	}

	// No picture content: no image in the PDF, none referenced by the HTML.
	if bytes.Contains(mustRead(t, pdf1), []byte("/Subtype /Image")) {
		t.Error("the PDF holds an image")
	}
	page := mustRead(t, html1)
	for _, bad := range []string{"<img", "src=", "href=", "url(", "@import", "data:"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the HTML holds %q: not self-contained or not picture-free", bad)
		}
	}

	// The HTML is well-formed XML and its totals are the PDF's.
	htmlTotals := htmlCategoryTotals(t, page)
	if fmt.Sprint(htmlTotals) != fmt.Sprint(pdfTotals) {
		t.Errorf("HTML totals %v, PDF totals %v", htmlTotals, pdfTotals)
	}

	// Two exports differ only in the generation time.
	gen := regexp.MustCompile(report.GeneratedLabel + `\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`)
	norm := func(s string) string { return gen.ReplaceAllString(s, "GENERATED") }
	if a, b := norm(layout), norm(text(pdf2, true)); a != b || strings.Count(a, "GENERATED") != 1 {
		t.Errorf("two PDF reports differ beyond the time:\n%s", firstDiff(a, b))
	}
	genHTML := regexp.MustCompile(`<th>` + report.GeneratedLabel + `</th><td>[^<]*</td>`)
	if a, b := genHTML.ReplaceAllString(string(page), ""), genHTML.ReplaceAllString(string(mustRead(t, html2)), ""); a != b || len(genHTML.FindAll(page, -1)) != 1 {
		t.Errorf("two HTML reports differ beyond the time:\n%s", firstDiff(a, b))
	}

	// The manifest pins the bytes; the audit log records the same hash.
	for _, p := range []string{pdf1, html1} {
		var m report.Manifest
		if err := json.Unmarshal(mustRead(t, report.ManifestPath(p)), &m); err != nil {
			t.Fatal(err)
		}
		data := mustRead(t, p)
		sum := sha256.Sum256(data)
		if m.File != filepath.Base(p) || m.Size != int64(len(data)) || m.SHA256 != hex.EncodeToString(sum[:]) ||
			m.Case != "2026/0417" || !strings.HasPrefix(m.Generator, "scrim ") || m.GeneratedAt == "" {
			t.Errorf("manifest of %s: %+v", p, m)
		}
		if log := mustScrim(t, "audit", "show", "--case", caseDir, "--json"); !strings.Contains(log, m.SHA256) {
			t.Errorf("audit log lacks the SHA-256 of %s", p)
		}
	}
	if _, err := os.Stat(pdf1 + ".partial"); err == nil {
		t.Error("a .partial file was left behind")
	}
}

// categoryTotals reads the Total rows of the per-category tables (eight
// numbers) from pdftotext -layout output.
func categoryTotals(s string) [][]int64 {
	re := regexp.MustCompile(`(?m)^\s*Total((?:\s+[\d,]+){9})\s*$`)
	var out [][]int64
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, numbers(strings.Fields(m[1])))
	}
	return out
}

func numbers(fields []string) []int64 {
	var out []int64
	for _, f := range fields {
		n, err := strconv.ParseInt(strings.ReplaceAll(f, ",", ""), 10, 64)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// htmlCategoryTotals parses the page with encoding/xml in strict mode (any
// unclosed tag or stray entity fails) and returns the numbers of every
// total row with nine numbers.
func htmlCategoryTotals(t *testing.T, page []byte) [][]int64 {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = true
	var out [][]int64
	var row []string
	inTotal, inCell := false, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("HTML is not well-formed: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "tr":
				row, inTotal = nil, false
				for _, a := range x.Attr {
					inTotal = inTotal || (a.Name.Local == "class" && a.Value == "total")
				}
			case "td":
				inCell = true
				row = append(row, "")
			}
		case xml.CharData:
			if inCell {
				row[len(row)-1] += string(x)
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "td":
				inCell = false
			case "tr":
				if inTotal && len(row) == 11 {
					out = append(out, numbers(row[2:]))
				}
			}
		}
	}
	return out
}

// inkFraction is the share of pixels darker than mid-grey.
func inkFraction(t *testing.T, p string) float64 {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}
