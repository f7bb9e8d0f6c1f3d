package evidence

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestFolderOpensMatchPathOpens opens the files of a folder walk in their
// kept folders, by workers running beside the walk as the ingest's do, and
// again by their whole path after the walk: the same bytes, the same
// errors for a file and a folder gone since the walk, and no descriptor
// left open.
func TestFolderOpensMatchPathOpens(t *testing.T) {
	root := t.TempDir()
	want := map[string]string{}
	for i := range 3 * keptFoldersMax {
		for j := range 5 {
			rel := fmt.Sprintf("/f%02d/sub/x%d.bin", i, j)
			if j == 4 {
				rel = fmt.Sprintf("/f%02d/y.bin", i) // after its subfolder
			}
			want[rel] = rel + " content"
			p := filepath.Join(root, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(want[rel]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Removed once walked, before any worker opens them: the same error
	// through the folder as by the whole path.
	goneFile, goneFolder := "/f01/sub/x2.bin", "/f02/sub"
	fdsBefore := openDescriptors(t)
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	type read struct{ content, err string }
	var mu sync.Mutex
	during := map[string]read{}
	var entries []Entry
	jobs := make(chan Entry)
	var workers sync.WaitGroup
	for range 2 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for e := range jobs {
				c, err := readEntry(e)
				mu.Lock()
				during[e.Path] = read{c, errText(err)}
				mu.Unlock()
			}
		}()
	}
	walkErr := src.Walk(context.Background(), func(e Entry) error {
		if e.Err != nil {
			return e.Err
		}
		entries = append(entries, e)
		switch e.Path {
		case goneFile:
			if err := os.Remove(filepath.Join(root, filepath.FromSlash(goneFile))); err != nil {
				return err
			}
		}
		if e.Path == goneFolder+"/x3.bin" { // its last file: remove the folder whole
			if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(goneFolder))); err != nil {
				return err
			}
		}
		jobs <- e
		return nil
	})
	close(jobs)
	workers.Wait()
	if walkErr != nil {
		t.Fatal(walkErr)
	}
	if len(entries) != len(want) {
		t.Fatalf("walked %d files, want %d", len(entries), len(want))
	}
	for _, e := range entries {
		c, err := readEntry(e) // after the walk: by the whole path
		after := read{c, errText(err)}
		// The folder's first files may be read before it is removed.
		raced := filepath.Dir(e.Path) == goneFolder && e.Path != goneFolder+"/x3.bin"
		if during[e.Path] != after && !raced {
			t.Errorf("%s: read in its folder %q, by its path %q", e.Path, during[e.Path], after)
		}
		gone := e.Path == goneFile || filepath.Dir(e.Path) == goneFolder
		switch {
		case gone && after.err == "":
			t.Errorf("%s: removed, yet read %q", e.Path, after.content)
		case !gone && after != read{want[e.Path], ""}:
			t.Errorf("%s: read %q, want %q", e.Path, after, want[e.Path])
		}
	}
	if got := openDescriptors(t); got != fdsBefore {
		t.Errorf("%d descriptors open after the walk and its reads, %d before", got, fdsBefore)
	}
}

func readEntry(e Entry) (string, error) {
	c, err := e.Open()
	if err != nil {
		return "", err
	}
	defer c.Close()
	b, err := io.ReadAll(io.NewSectionReader(c, 0, e.Size))
	return string(b), err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func openDescriptors(t *testing.T) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(fds)
}
