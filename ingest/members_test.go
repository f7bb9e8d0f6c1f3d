package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"scrim/ingest/evidence"
	"scrim/ingest/expand"
)

// memberArchives makes, with the zip tool, a stored and a deflated ZIP
// holding pictures, a ZIP of more pictures, a picture hidden after random
// bytes and a stored member too large for memory (read in place).
func memberArchives(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	src := filepath.Join(work, "src")
	ev := filepath.Join(work, "evidence")
	for i := range 40 {
		write(t, filepath.Join(src, "cam", fmt.Sprintf("p%02d.jpg", i)), testJPEG(t, uint64(100+i)))
	}
	for i := range 12 {
		write(t, filepath.Join(src, "in", fmt.Sprintf("q%02d.jpg", i)), testJPEG(t, uint64(200+i)))
	}
	noise := make([]byte, memberMemMax+1<<20)
	rand.NewChaCha8([32]byte{5}).Read(noise)
	write(t, filepath.Join(src, "cam", "big.bin"), noise)
	write(t, filepath.Join(src, "cam", "appended.bin"), append(noise[:1572:1572], testJPEG(t, 300)...))
	tool(t, src, "zip", "-q", "-r", filepath.Join(src, "cam", "inner.zip"), "in")
	if err := os.MkdirAll(ev, 0o755); err != nil {
		t.Fatal(err)
	}
	tool(t, src, "zip", "-q", "-r", "-0", filepath.Join(ev, "stored.zip"), "cam")
	tool(t, src, "zip", "-q", "-r", filepath.Join(ev, "deflated.zip"), "cam")
	return ev
}

// TestMembersOnHelpers: the members of ZIPs walked on several workers give
// the very places, media and counts one worker gives, and they were
// walked on several workers.
func TestMembersOnHelpers(t *testing.T) {
	ev := memberArchives(t)
	serial, parallel := openCase(t), openCase(t)
	in1, in4 := New(serial, Options{Workers: 1}), New(parallel, Options{Workers: 4})
	s1, s4 := ingestWith(t, in1, ev), ingestWith(t, in4, ev)
	if in1.membersLent.Load() != 0 || in4.membersLent.Load() == 0 {
		t.Fatalf("members lent: %d with 1 worker, %d with 4", in1.membersLent.Load(), in4.membersLent.Load())
	}
	t.Logf("%d members walked on helpers", in4.membersLent.Load())
	if s1.Added != s4.Added || s1.NewMedia != s4.NewMedia || s1.Errors != s4.Errors || s1.Added < 2*(40+12+4) {
		t.Fatalf("1 worker %+v\n4 workers %+v", s1, s4)
	}
	a, b := occurrencesByPath(t, serial), occurrencesByPath(t, parallel)
	if !reflect.DeepEqual(a, b) {
		for p, o := range a {
			if !reflect.DeepEqual(o, b[p]) {
				t.Errorf("%s:\n 1 worker  %+v\n 4 workers %+v", p, o, b[p])
			}
		}
		t.Fatalf("%d places with 1 worker, %d with 4", len(a), len(b))
	}
	hidden := a["/deflated.zip » cam/appended.bin » carved@1572.jpeg"]
	if hidden.SHA256 != sha(testJPEG(t, 300)) {
		t.Errorf("hidden picture in a lent member: %+v", hidden)
	}
	for _, p := range []string{"/stored.zip » cam/big.bin", "/stored.zip » cam/inner.zip » in/q11.jpg"} {
		if o, ok := a[p]; !ok || o.SHA256 == "" || o.Error != "" {
			t.Errorf("%s: %+v", p, o)
		}
	}
	sa, _ := serial.Stats()
	sb, _ := parallel.Stats()
	if sa.Counts != sb.Counts {
		t.Fatalf("stats differ: %+v vs %+v", sa.Counts, sb.Counts)
	}
	consistent(t, parallel)
}

// TestTarMembersOnHelpers: the members of TARs, read from one stream by
// their walker and lent by their bytes, give the very places, media and
// counts one worker gives, and several workers recorded them.
func TestTarMembersOnHelpers(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	ev := filepath.Join(work, "evidence")
	for i := range 60 {
		write(t, filepath.Join(src, "cam", fmt.Sprintf("p%02d.jpg", i)), testJPEG(t, uint64(100+i%50)))
	}
	for i := range 12 {
		write(t, filepath.Join(src, "in", fmt.Sprintf("q%02d.jpg", i)), testJPEG(t, uint64(200+i)))
	}
	noise := make([]byte, lendBytesMax+1)
	rand.NewChaCha8([32]byte{6}).Read(noise)
	write(t, filepath.Join(src, "cam", "big.bin"), noise) // read by its walker
	write(t, filepath.Join(src, "cam", "appended.bin"), append(noise[:1572:1572], testJPEG(t, 300)...))
	tool(t, src, "tar", "-cf", filepath.Join(src, "cam", "inner.tar"), "in")
	if err := os.MkdirAll(ev, 0o755); err != nil {
		t.Fatal(err)
	}
	tool(t, src, "tar", "-cf", filepath.Join(ev, "pics.tar"), "cam")
	serial, parallel := openCase(t), openCase(t)
	in1, in4 := New(serial, Options{Workers: 1}), New(parallel, Options{Workers: 4})
	s1, s4 := ingestWith(t, in1, ev), ingestWith(t, in4, ev)
	if in1.membersLent.Load() != 0 || in4.membersLent.Load() == 0 {
		t.Fatalf("members lent: %d with 1 worker, %d with 4", in1.membersLent.Load(), in4.membersLent.Load())
	}
	t.Logf("%d members recorded on helpers", in4.membersLent.Load())
	if s1.Added != s4.Added || s1.NewMedia != s4.NewMedia || s1.Errors != s4.Errors || s1.Added != 1+60+3+12+1 {
		t.Fatalf("1 worker %+v\n4 workers %+v", s1, s4)
	}
	a, b := occurrencesByPath(t, serial), occurrencesByPath(t, parallel)
	if !reflect.DeepEqual(a, b) {
		for p, o := range a {
			if !reflect.DeepEqual(o, b[p]) {
				t.Errorf("%s:\n 1 worker  %+v\n 4 workers %+v", p, o, b[p])
			}
		}
		t.Fatalf("%d places with 1 worker, %d with 4", len(a), len(b))
	}
	if o := a["/pics.tar » cam/appended.bin » carved@1572.jpeg"]; o.SHA256 != sha(testJPEG(t, 300)) {
		t.Errorf("hidden picture in a lent member: %+v", o)
	}
	for _, p := range []string{"/pics.tar » cam/big.bin", "/pics.tar » cam/inner.tar » in/q11.jpg"} {
		if o, ok := a[p]; !ok || o.SHA256 == "" || o.Error != "" {
			t.Errorf("%s: %+v", p, o)
		}
	}
	sa, _ := serial.Stats()
	sb, _ := parallel.Stats()
	if sa.Counts != sb.Counts {
		t.Fatalf("stats differ: %+v vs %+v", sa.Counts, sb.Counts)
	}
	consistent(t, parallel)
}

// TestMembersOnHelpersLimit: a member budget hit on a helper stops the
// walk as on the walker: the same note, as many places.
func TestMembersOnHelpersLimit(t *testing.T) {
	ev := memberArchives(t)
	places := map[int]int{}
	for _, workers := range []int{1, 4} {
		st := openCase(t)
		sum := ingestWith(t, New(st, Options{Workers: workers, Expand: expand.Limits{MaxMembers: 20}}), ev)
		if !slices.ContainsFunc(sum.Notes, func(n string) bool { return strings.Contains(n, "expansion members limit hit in /stored.zip") }) {
			t.Errorf("%d workers: no limit note in %q", workers, sum.Notes)
		}
		places[workers] = len(occurrencesByPath(t, st))
		consistent(t, st)
	}
	if places[1] != places[4] || places[1] != 2*(1+20) {
		t.Fatalf("places with 1 and 4 workers: %v", places)
	}
}

// ingestWith ingests the folder root with in, as evidence "ev1".
func ingestWith(t *testing.T, in *Ingester, root string) Summary {
	t.Helper()
	src, err := evidence.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := in.Ingest(context.Background(), src, "ev1")
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
