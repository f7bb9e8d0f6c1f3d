package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestProgressCountsMembers: while the members of an archive are walked the
// progress moves (members counted, the archive's expansion bytes read)
// although its own file is not done yet; at the end every member and every
// expanded byte is counted and the bar is full.
func TestProgressCountsMembers(t *testing.T) {
	ev := memberArchives(t)
	var archiveBytes int64
	for _, name := range []string{"stored.zip", "deflated.zip"} {
		fi, err := os.Stat(filepath.Join(ev, name))
		if err != nil {
			t.Fatal(err)
		}
		archiveBytes += fi.Size()
	}
	in := New(openCase(t), Options{Workers: 2})
	done := make(chan Summary)
	go func() { done <- ingestWith(t, in, ev) }()
	movedInside := false
	var sum Summary
	for running := true; running; {
		select {
		case sum = <-done:
			running = false
		default:
			p := in.Progress()
			if p.FilesDone < 2 && p.MembersDone > 0 && p.ExpandDone > 0 {
				if f, ok := p.Fraction(); ok && f > 0 && f < 1 {
					movedInside = true
				}
			}
		}
	}
	p := in.Progress()
	if !movedInside {
		t.Errorf("progress never moved inside the archives before they were done")
	}
	if p.FilesDone != 2 || p.MembersDone != sum.Added-2 || p.MembersDone < 2*(40+12) {
		t.Errorf("files %d, members %d; added %d", p.FilesDone, p.MembersDone, sum.Added)
	}
	if p.ExpandTotal != archiveBytes || p.ExpandDone != archiveBytes {
		t.Errorf("expansion %d of %d bytes; the archives hold %d", p.ExpandDone, p.ExpandTotal, archiveBytes)
	}
	if f, ok := p.Fraction(); !ok || f != 1 {
		t.Errorf("fraction at the end %v %v", f, ok)
	}
}
