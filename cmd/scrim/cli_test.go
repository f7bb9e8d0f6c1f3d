package main

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"scrim/export"
	"scrim/lab/labtest"
	"scrim/store"
	"scrim/testdata/demo"
)

// scrimBin is the real binary, built once: tests run it as a user would.
var scrimBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "scrim-bin")
	if err != nil {
		panic(err)
	}
	scrimBin = filepath.Join(dir, "scrim")
	// Signals are on by default when the models are found (a checkout
	// after make models): the tests of other things run without them,
	// the signals tests give --models.
	os.Setenv("SCRIM_MODELS", filepath.Join(dir, "no-models"))
	if out, err := exec.Command("go", "build", "-o", scrimBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build scrim: %v\n%s", err, out)
		os.Exit(1)
	}
	code := labtest.Main(m) // a private PostgreSQL for the lab tests, started when one asks
	os.RemoveAll(dir)
	os.Exit(code)
}

type runResult struct {
	stdout, stderr string
	code           int
}

func scrim(t testing.TB, args ...string) runResult { return scrimStdin(t, "", args...) }

// scrimStdin runs scrim with stdin (PINs and passphrases are only read from there).
func scrimStdin(t testing.TB, stdin string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(scrimBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return runResult{o.String(), e.String(), code}
}

func mustScrim(t testing.TB, args ...string) string {
	t.Helper()
	r := scrim(t, args...)
	if r.code != 0 {
		t.Fatalf("scrim %v: exit %d\n%s", args, r.code, r.stderr)
	}
	return r.stdout
}

func readRows(t *testing.T, caseDir string) []export.FileRow {
	t.Helper()
	var rows []export.FileRow
	sc := bufio.NewScanner(strings.NewReader(mustScrim(t, "files", "--case", caseDir, "--format", "jsonl")))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r export.FileRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad jsonl line %q: %v", sc.Text(), err)
		}
		rows = append(rows, r)
	}
	return rows
}

func readStats(t testing.TB, caseDir string) store.Stats {
	t.Helper()
	var s store.Stats
	if err := json.Unmarshal([]byte(mustScrim(t, "stats", "--case", caseDir, "--json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// fingerprintTree records every byte and timestamp of the evidence, to prove
// ingest never writes to it.
func fingerprintTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := d.Info()
		st := fi.Sys().(*syscall.Stat_t)
		fmt.Fprintf(&b, "%s %v %d %d.%d %d.%d", p, fi.Mode(), fi.Size(), st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
		if d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		}
		b.WriteByte('\n')
		return nil
	})
	return b.String()
}

func TestIngestDemoEvidence(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	man, err := demo.Generate(root, demo.Options{Seed: 1, Videos: true})
	if err != nil {
		t.Fatal(err)
	}
	before := fingerprintTree(t, root)
	caseDir := filepath.Join(t.TempDir(), "case")
	out := mustScrim(t, "ingest", "--case", caseDir, "--examiner", "alice", root)
	if !strings.Contains(out, fmt.Sprintf("%d files seen", len(man.Files))) {
		t.Fatalf("summary does not count %d files: %s", len(man.Files), out)
	}
	if after := fingerprintTree(t, root); after != before {
		t.Fatal("ingest changed the evidence")
	}

	rows := readRows(t, caseDir)
	byPath := map[string]export.FileRow{}
	for _, r := range rows {
		byPath[r.Path] = r
	}
	if len(rows) != len(man.Files) {
		t.Fatalf("%d rows for %d files", len(rows), len(man.Files))
	}
	distinct := map[string]bool{}
	var pictures, corrupt int
	for _, f := range man.Files {
		r, ok := byPath["/"+f.Path]
		if !ok {
			t.Errorf("%s missing from scrim files", f.Path)
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		m5, s1, s256 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
		if r.MD5 != hex.EncodeToString(m5[:]) || r.SHA1 != hex.EncodeToString(s1[:]) || r.SHA256 != hex.EncodeToString(s256[:]) || r.Size != int64(len(data)) {
			t.Errorf("%s: digests or size differ from crypto/*: %+v", f.Path, r)
		}
		distinct[r.SHA256] = true
		if r.Evidence != "evidence" || r.Mtime == "" {
			t.Errorf("%s: evidence %q mtime %q", f.Path, r.Evidence, r.Mtime)
		}
		if f.Kind == "picture" || f.Kind == "video" {
			if r.Type != f.Type || r.Kind != f.Kind {
				t.Errorf("%s: type %s/%s, the content is %s/%s", f.Path, r.Type, r.Kind, f.Type, f.Kind)
			}
		}
		switch {
		case f.Kind == "picture" && f.Corrupt:
			corrupt++
			if r.Error == "" || r.PHash != "" {
				t.Errorf("%s: corrupt picture without an error: %+v", f.Path, r)
			}
		case f.Kind == "picture":
			pictures++
			if r.Error != "" || r.Width == 0 || r.Height == 0 || len(r.PHash) != 16 || len(r.DHash) != 16 {
				t.Errorf("%s: picture not fingerprinted: %+v", f.Path, r)
			}
		}
		if f.SameBytesAs != "" && r.SHA256 != byPath["/"+f.SameBytesAs].SHA256 {
			t.Errorf("%s: copy of %s has another SHA-256", f.Path, f.SameBytesAs)
		}
	}
	if pictures < 20 || corrupt < 3 {
		t.Fatalf("demo tree too thin: %d pictures, %d corrupt", pictures, corrupt)
	}
	checkNearDuplicates(t, man, byPath)

	s := readStats(t, caseDir)
	if s.Occurrences != int64(len(rows)) || s.Unique != int64(len(distinct)) || s.Pictures+s.Videos+s.Other != s.Unique {
		t.Fatalf("stats %+v disagree with %d rows / %d distinct", s.Counts, len(rows), len(distinct))
	}
	if s.Errors < int64(corrupt) || len(s.Evidence) != 1 || s.Evidence[0].Status != "complete" || s.Evidence[0].Examiner != "alice" {
		t.Fatalf("stats %+v", s)
	}

	// The CSV carries the same rows and the contract's columns.
	recs, err := csv.NewReader(strings.NewReader(mustScrim(t, "files", "--case", caseDir, "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("csv has %d records", len(recs))
	}
	header := strings.Join(recs[0], ",")
	for _, f := range []string{"evidence", "volume", "fs", "path", "deleted", "carved", "offset", "size", "md5", "sha1", "sha256", "type", "width", "height", "phash", "dhash", "category", "category_source"} {
		if !strings.Contains(","+header+",", ","+f+",") {
			t.Errorf("csv header lacks %s", f)
		}
	}

	// Ingesting the same evidence again adds nothing.
	dumpBefore := dumpCase(t, caseDir)
	var sums []map[string]any
	json.Unmarshal([]byte(mustScrim(t, "ingest", "--case", caseDir, "--json", root)), &sums)
	if len(sums) != 1 || sums[0]["added"].(float64) != 0 || sums[0]["skipped"].(float64) != float64(len(man.Files)) {
		t.Fatalf("re-ingest summary %v", sums)
	}
	if dumpCase(t, caseDir) != dumpBefore {
		t.Fatal("re-ingest changed the case")
	}
}

func hamming(a, b string) int {
	x, _ := strconv.ParseUint(a, 16, 64)
	y, _ := strconv.ParseUint(b, 16, 64)
	return bits.OnesCount64(x ^ y)
}

// checkNearDuplicates: resized and recompressed copies of a scene keep a
// close pHash; different scenes are far apart.
func checkNearDuplicates(t *testing.T, man *demo.Manifest, byPath map[string]export.FileRow) {
	t.Helper()
	original := map[int]export.FileRow{}
	for _, f := range man.Files {
		if f.Variant == "original" && f.Kind == "picture" {
			original[f.Scene] = byPath["/"+f.Path]
		}
	}
	checked := 0
	for _, f := range man.Files {
		if f.Variant != "resized" && f.Variant != "recompressed" {
			continue
		}
		o, ok := original[f.Scene]
		if !ok {
			continue
		}
		if d := hamming(o.PHash, byPath["/"+f.Path].PHash); d > 8 {
			t.Errorf("%s: pHash %d bits from its original", f.Path, d)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no near-duplicates in the demo tree")
	}
	far := 0
	for s1, a := range original {
		for s2, b := range original {
			if s1 < s2 && hamming(a.PHash, b.PHash) > 10 {
				far++
			}
		}
	}
	n := len(original)
	if pairs := n * (n - 1) / 2; far*10 < pairs*9 {
		t.Errorf("only %d of %d scene pairs have distinct pHashes", far, pairs)
	}
}

// dumpCase renders every key and value of a closed case, with the wall-clock
// fields of evidence records blanked: two runs over the same evidence must
// give the same dump.
func dumpCase(t *testing.T, dir string) string {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b strings.Builder
	err = st.Scan("", func(k, v []byte) error {
		if bytes.HasPrefix(k, []byte("a/")) || string(k) == "meta/audit_head" {
			return nil // the audit log records when each run happened
		}
		if bytes.HasPrefix(k, []byte("cnt/")) {
			return nil // counter deltas are keyed by when they were committed; checkCounters compares their sums
		}
		if bytes.HasPrefix(k, []byte("e/")) {
			var e store.Evidence
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			e.FirstIngested, e.LastIngested = time.Time{}, time.Time{}
			v, _ = json.Marshal(e)
		}
		fmt.Fprintf(&b, "%q=%x\n", k, sha256.Sum256(v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCommandErrors(t *testing.T) {
	tmp := t.TempDir()
	missing := filepath.Join(tmp, "no-case")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"files", "--case", missing}, 1, "no case at"},
		{[]string{"stats", "--case", missing, "--json"}, 1, "no case at"},
		{[]string{"ingest", "--case", filepath.Join(tmp, "c"), filepath.Join(tmp, "no-such-evidence")}, 1, "no such file"},
		{[]string{"ingest", "--case", filepath.Join(tmp, "c")}, 2, "evidence PATH"},
		{[]string{"files"}, 2, "--case"},
		{[]string{"files", "--case", missing, "--format", "xml"}, 2, "jsonl or csv"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"ingest", "--no-such-flag"}, 2, "flag provided but not defined"},
	} {
		r := scrim(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 20 || strings.Contains(r.stderr, "panic") {
			t.Errorf("scrim %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
	}
	for _, cmd := range []string{"ingest", "files", "stats"} {
		if r := scrim(t, cmd, "--help"); r.code != 0 || !strings.Contains(r.stdout, "--case") || r.stderr != "" {
			t.Errorf("scrim %s --help: exit %d %q", cmd, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "c")); err == nil {
		t.Error("a failed ingest left an empty case behind")
	}
}

func TestLockedCase(t *testing.T) {
	root := filepath.Join(t.TempDir(), "ev")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("hello"), 0o644)
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, root)
	st, err := store.Open(caseDir, store.Options{}) // another holder of the case
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, args := range [][]string{{"files", "--case", caseDir}, {"ingest", "--case", caseDir, root}} {
		r := scrim(t, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "open in another scrim process") {
			t.Errorf("scrim %v on a locked case: exit %d %q", args, r.code, r.stderr)
		}
	}
}
