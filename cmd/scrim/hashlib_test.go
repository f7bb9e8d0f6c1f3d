package main

import (
	"bufio"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"scrim/hashlib"
	"scrim/testdata/demo"
)

// writeMD5List writes n random MD5 lines (seeded) followed by extra.
func writeMD5List(t testing.TB, path string, n int, seed uint64, extra ...string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 3))
	var buf [16]byte
	for range n {
		binary.LittleEndian.PutUint64(buf[:8], r.Uint64())
		binary.LittleEndian.PutUint64(buf[8:], r.Uint64())
		fmt.Fprintf(w, "%x\n", buf)
	}
	for _, e := range extra {
		fmt.Fprintln(w, e)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func fileMD5(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	h := md5.Sum(b)
	return hex.EncodeToString(h[:])
}

// A set imported once into the library categorizes two cases ingested
// after it; removing it from the library leaves each case its matches and
// the provenance its report cites.
func TestHashLibraryTwoCases(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("SCRIM_HOME", home)
	ev := filepath.Join(t.TempDir(), "ev")
	pics, err := demo.GenerateJPEGs(ev, 3, 64, 48, 90, 5)
	if err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(t.TempDir(), "lab.md5")
	writeMD5List(t, list, 100, 1, fileMD5(t, pics[0]), fileMD5(t, pics[1]))
	early := filepath.Join(t.TempDir(), "early") // ingested before the library import
	mustScrim(t, "ingest", "--case", early, ev)
	out := mustScrim(t, "hashset", "import", "--library", "--format", "text", "--category", "1", "--name", "lab", list)
	if !strings.Contains(out, "102 digests in the hash library "+filepath.Join(home, "hashlib")) {
		t.Fatalf("library import:\n%s", out)
	}
	if out := mustScrim(t, "hashset", "match", "--case", early); !strings.HasPrefix(out, "2 media matched") {
		t.Fatalf("hashset match of a case ingested before the import: %s", out)
	}
	for _, c := range []string{"a", "b"} {
		caseDir := filepath.Join(t.TempDir(), c)
		mustScrim(t, "ingest", "--case", caseDir, ev)
		n := 0
		for _, r := range readRows(t, caseDir) {
			if r.Category == "1" && r.CategorySource == "hashset:lab" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("case %s: %d media from the library set, want 2", c, n)
		}
		l := mustScrim(t, "hashset", "list", "--case", caseDir)
		if !strings.Contains(l, "case, from library") || !strings.Contains(l, "  library") {
			t.Fatalf("case %s list:\n%s", c, l)
		}
		if c == "b" {
			mustScrim(t, "hashset", "remove", "--library", "lab")
			if l := mustScrim(t, "hashset", "list"); strings.Contains(l, "lab") {
				t.Fatalf("library list after removal:\n%s", l)
			}
			mustScrim(t, "ingest", "--case", caseDir, ev) // matches again: nothing to take back
			rows := readRows(t, caseDir)
			n := 0
			for _, r := range rows {
				if r.CategorySource == "hashset:lab" {
					n++
				}
			}
			if n != 2 {
				t.Fatalf("after removal from the library: %d media keep hashset:lab, want 2", n)
			}
			html := filepath.Join(t.TempDir(), "r.html")
			mustScrim(t, "export", "--case", caseDir, "--format", "html", "--out", html)
			b, _ := os.ReadFile(html)
			sum := sha256File(t, list)
			if !strings.Contains(string(b), "Hash set lab") || !strings.Contains(string(b), sum) {
				t.Fatal("the report no longer cites the removed library set and its file SHA-256")
			}
		}
	}
}

func sha256File(t *testing.T, p string) string {
	out, err := exec.Command("sha256sum", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[0]
}

// A library import killed with SIGKILL leaves the library as it was; the
// next import of the same set sweeps the leftovers and succeeds.
func TestHashLibraryKilledImport(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: a real child process on a 1.5 M-line list")
	}
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("SCRIM_HOME", home)
	lib := filepath.Join(home, "hashlib")
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small.md5"), filepath.Join(dir, "big.md5")
	writeMD5List(t, small, 1000, 1)
	writeMD5List(t, big, 1_500_000, 2)
	mustScrim(t, "hashset", "import", "--library", "--format", "text", "--category", "5", "--name", "small", small)
	before, err := os.ReadFile(filepath.Join(lib, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(scrimBin, "hashset", "import", "--library", "--format", "text", "--category", "5", "--name", "big", big)
	killUnderWay(t, cmd, lib)
	after, _ := os.ReadFile(filepath.Join(lib, "manifest.json"))
	if string(after) != string(before) {
		t.Fatal("a killed import changed the manifest")
	}
	l, err := hashlib.Open(lib)
	if err != nil {
		t.Fatal(err)
	}
	if sets := l.Sets(); len(sets) != 1 || sets[0].HashSet.Name != "small" {
		t.Fatalf("sets after the kill: %+v", sets)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	l.Close()
	mustScrim(t, "hashset", "import", "--library", "--format", "text", "--category", "5", "--name", "big", big)
	if m, _ := filepath.Glob(filepath.Join(lib, "tmp-*")); len(m) > 0 {
		t.Fatalf("leftovers of the killed import: %v", m)
	}
	l, err = hashlib.Open(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if sets := l.Sets(); len(sets) != 2 || sets[1].Entries() != 1_500_000 {
		t.Fatalf("sets after the re-import: %+v", sets)
	}
}

// Imports started at once by separate processes take turns on the lock:
// every set ends up in the manifest.
func TestHashLibraryConcurrentImports(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("SCRIM_HOME", home)
	dir := t.TempDir()
	names := []string{"p", "q", "r", "s"}
	for i, n := range names {
		writeMD5List(t, filepath.Join(dir, n), 100_000, uint64(i+10))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command(scrimBin, "hashset", "import", "--library", "--format", "text", "--category", "5", "--name", n, filepath.Join(dir, n)).CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("%s: %v %s", n, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := hashlib.Open(filepath.Join(home, "hashlib"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if sets := l.Sets(); len(sets) != len(names) {
		t.Fatalf("%d sets after %d concurrent imports", len(sets), len(names))
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
}

// A case import killed with SIGKILL while it replaces the case's set of
// the same name leaves the case as it was: the old set, its provenance and
// its matches; the import run again takes the new version's place.
func TestCaseHashsetKilledImport(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: a real child process on a 1.5 M-line list")
	}
	t.Setenv("SCRIM_HOME", filepath.Join(t.TempDir(), "home"))
	ev := filepath.Join(t.TempDir(), "ev")
	pics, err := demo.GenerateJPEGs(ev, 3, 64, 48, 90, 5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small.md5"), filepath.Join(dir, "big.md5")
	writeMD5List(t, small, 1000, 1, fileMD5(t, pics[0]))
	writeMD5List(t, big, 1_500_000, 2, fileMD5(t, pics[1]))
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, ev)
	mustScrim(t, "hashset", "import", "--case", caseDir, "--format", "text", "--category", "1", "--name", "known", small)
	sets := filepath.Join(caseDir, "hashsets")
	before, err := os.ReadFile(filepath.Join(sets, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	categorized := func() map[string]string {
		got := map[string]string{}
		for _, r := range readRows(t, caseDir) {
			if r.Category != "" {
				got[r.SHA256] = r.Category + " " + r.CategorySource
			}
		}
		return got
	}
	was := categorized()
	if len(was) != 1 {
		t.Fatalf("after the first import: %v", was)
	}
	cmd := exec.Command(scrimBin, "hashset", "import", "--case", caseDir, "--format", "text", "--category", "2", "--name", "known", big)
	killUnderWay(t, cmd, sets)
	if after, _ := os.ReadFile(filepath.Join(sets, "manifest.json")); string(after) != string(before) {
		t.Fatal("a killed import changed the case's set manifest")
	}
	if got := categorized(); len(got) != 1 || got[sha256File(t, pics[0])] != was[sha256File(t, pics[0])] {
		t.Fatalf("after the kill: %v, before %v", got, was)
	}
	if l := mustScrim(t, "hashset", "list", "--case", caseDir, "--json"); !strings.Contains(l, sha256File(t, small)) {
		t.Fatalf("provenance after the kill:\n%s", l)
	}
	mustScrim(t, "hashset", "import", "--case", caseDir, "--format", "text", "--category", "2", "--name", "known", big)
	if m, _ := filepath.Glob(filepath.Join(sets, "tmp-*")); len(m) > 0 {
		t.Fatalf("leftovers of the killed import: %v", m)
	}
	got := categorized()
	if len(got) != 2 || got[sha256File(t, pics[0])] != was[sha256File(t, pics[0])] || got[sha256File(t, pics[1])] != "2 hashset:known" {
		t.Fatalf("after the re-import: %v", got)
	}
	if l := mustScrim(t, "hashset", "list", "--case", caseDir, "--json"); !strings.Contains(l, sha256File(t, big)) || strings.Contains(l, sha256File(t, small)) {
		t.Fatalf("provenance after the re-import:\n%s", l)
	}
	mustScrim(t, "audit", "verify", "--case", caseDir)
}

// killUnderWay starts an import into the hash-set folder dir and kills it
// with SIGKILL once it is under way (its temporary folder exists), before
// it can finish.
func killUnderWay(t *testing.T, cmd *exec.Cmd, dir string) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(dir, "tmp-*")); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the import never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the import finished before it was killed (%v): make the list larger", cmd.ProcessState)
	}
}
