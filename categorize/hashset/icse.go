package hashset

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ICSE exports (Interpol International Child Sexual Exploitation database)
// are ";"-separated with a header row. Columns are found by name, so order
// and extra columns do not matter.
//
// Baseline: Interpol's "baseline" flag marks material that is illegal in
// every member country (real prepubescent child, sexual act or focus on the
// genitals): such entries carry Code CodeBaseline, mapped into the case's
// scheme by package categorize. A false or absent flag says nothing about
// legality under national law, so those entries get Options.Category (or
// none).
var icseColumns = map[string]string{
	"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256",
	"photodna": "photodna", "image id": "id", "imageid": "id", "media id": "id",
	"is distributed": "dist", "distributed": "dist",
	"victim identified": "victim", "offender identified": "offender",
	"series name": "series", "series": "series",
	"baseline": "baseline", "comments": "comments", "comment": "comments",
	"file name": "name", "filename": "name", "file size": "size", "size": "size",
}

// ReadICSE reads an Interpol ICSE hash export.
func ReadICSE(r io.Reader, opt Options, fn func(Entry) error) (sum Summary, err error) {
	defer guard("icse", &err)
	sum = Summary{Format: "icse", Variant: "csv", Vocabulary: VocabICSE}
	br := bufio.NewReaderSize(r, maxLine)
	head, _ := br.Peek(512)
	if what := sniffMagic(head); what != "" {
		return sum, fmt.Errorf("icse: not an ICSE CSV export: the file is %s", what)
	}
	lr := &lineReader{br: br}
	col := map[string]int{}
	var fields [][]byte
	for {
		line, tooLong, rerr := lr.next()
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return sum, fmt.Errorf("icse: line %d: %w", lr.line+1, rerr)
		}
		if len(col) == 0 {
			if tooLong || len(trimSpace(line)) == 0 {
				continue
			}
			for i, f := range splitFields(line, ';', nil) {
				name := strings.ToLower(strings.TrimSpace(string(f)))
				if key, ok := icseColumns[name]; ok {
					if _, dup := col[key]; !dup {
						col[key] = i
					}
				}
			}
			_, md5 := col["md5"]
			_, sha1 := col["sha1"]
			if !md5 && !sha1 {
				return sum, fmt.Errorf("icse: not an ICSE CSV export: line %d is not a ';'-separated header with an MD5 or SHA1 column", lr.line)
			}
			continue
		}
		if !tooLong && len(trimSpace(line)) == 0 {
			continue
		}
		sum.Records++
		if tooLong {
			sum.bad(lr.line)
			continue
		}
		fields = splitFields(line, ';', fields)
		e, ok := icseEntry(fields, col, opt.Category)
		if !ok {
			sum.bad(lr.line)
			continue
		}
		e.Line = lr.line
		if err := sum.emit(fn, e); err != nil {
			return sum, fmt.Errorf("icse: %w", err)
		}
	}
	if len(col) == 0 {
		return sum, fmt.Errorf("icse: not an ICSE CSV export: no header line")
	}
	return sum, nil
}

func icseEntry(fields [][]byte, col map[string]int, cat string) (Entry, bool) {
	get := func(key string) string {
		i, ok := col[key]
		if !ok || i >= len(fields) {
			return ""
		}
		return strings.TrimSpace(string(fields[i]))
	}
	var e Entry
	for _, d := range [...]struct {
		key string
		n   int
	}{{"md5", md5Hex}, {"sha1", sha1Hex}, {"sha256", sha256Hex}} {
		key, n := d.key, d.n
		v := get(key)
		if v == "" {
			continue
		}
		hex, ok := normHex([]byte(v), n)
		if !ok {
			return e, false
		}
		setDigest(&e, hex)
	}
	if !hasDigest(&e) {
		return e, false
	}
	e.PhotoDNA = get("photodna")
	e.MediaID = get("id")
	e.Series = get("series")
	e.Comments = get("comments")
	e.FileName = get("name")
	if n, err := strconv.ParseInt(get("size"), 10, 64); err == nil && n > 0 {
		e.Size = n
	}
	e.IsDistributed = parseFlag(get("dist"))
	e.VictimIdentified = parseFlag(get("victim"))
	e.OffenderIdentified = parseFlag(get("offender"))
	e.Category = cat
	if b := get("baseline"); b != "" {
		e.SourceCategory = "Baseline=" + b
		if parseFlag(b) {
			e.Code, e.Category = CodeBaseline, ""
		}
	}
	return e, true
}
