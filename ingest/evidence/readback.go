package evidence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
)

// Locator names one entry the way an ingest recorded it (the fields of a
// store.Occurrence that say where a file was, not what it held).
type Locator struct {
	Volume  string
	Path    string
	Inode   uint64
	Offset  int64
	Carved  bool
	Deleted bool
	// Chain names a member of the file above, and members inside it,
	// outermost first, joined by ChainSeparator ("" for the file itself).
	Chain string
}

// ErrDone, returned by a ReadBack callback, ends the read-back without an error.
var ErrDone = errors.New("read-back done")

// ReadBack reopens the evidence item at srcPath, read-only, and calls fn with
// the content of every entry matching one of want (i indexes want). The
// content is only valid during the call. Folders and loose files are opened
// directly; disk images are walked until every wanted entry was seen, so
// carving only runs when a carved entry is wanted. Entries not found are
// simply not passed to fn; the caller tells which ones from i. What is read
// may have changed since ingest: callers compare it with the recorded digest.
func ReadBack(ctx context.Context, srcPath string, want []Locator, fn func(i int, c Content, size int64) error) error {
	if len(want) == 0 {
		return nil
	}
	// Members are read through their top-level file: ask for that, and
	// descend the chain of names inside the callback.
	asked := want
	tops := make([]Locator, len(want))
	for i, w := range want {
		tops[i] = w
		tops[i].Chain = ""
	}
	var root string // the folder holding a folder's or a loose file's files
	outer := fn
	fn = func(i int, c Content, size int64) error {
		if asked[i].Chain == "" {
			return outer(i, c, size)
		}
		host := ""
		if root != "" {
			host = filepath.Join(root, filepath.FromSlash(path.Clean(asked[i].Path)))
		}
		r, n, release, err := descend(ctx, c, size, asked[i].Path, host, asked[i].Chain)
		if err != nil {
			return nil // not found: the caller tells which from i
		}
		defer release()
		return outer(i, nopCloser{r}, n)
	}
	want = tops
	src, err := Open(srcPath)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	defer src.Close()
	switch s := src.(type) {
	case *directory:
		root = s.root
	case *looseFile:
		root = filepath.Dir(s.path)
	}
	if root != "" {
		err = readBackHost(root, src, want, fn)
	} else {
		err = readBackWalk(ctx, src, want, fn)
	}
	if errors.Is(err, ErrDone) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read back from %s: %w", srcPath, err)
	}
	return nil
}

// readBackHost opens each wanted file of a folder (or the one loose file)
// by its path, if it is still a regular file. The inode is not compared: a
// folder copied or restored elsewhere keeps its content, not its inodes, and
// the caller checks the content's digest anyway.
func readBackHost(root string, src Source, want []Locator, fn func(int, Content, int64) error) error {
	loose, _ := src.(*looseFile)
	for i, w := range want {
		if w.Volume != "" || w.Carved || w.Deleted || !path.IsAbs(w.Path) {
			continue
		}
		clean := path.Clean(w.Path)
		if loose != nil && clean != "/"+filepath.Base(loose.path) {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(clean))
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f, err := openReadOnly(p)
		if err != nil {
			continue
		}
		err = fn(i, f, fi.Size())
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readBackWalk walks a disk image and stops once every wanted entry was seen.
func readBackWalk(ctx context.Context, src Source, want []Locator, fn func(int, Content, int64) error) error {
	pending := make(map[Locator][]int, len(want))
	for i, w := range want {
		pending[w] = append(pending[w], i)
	}
	return src.Walk(ctx, func(e Entry) error {
		if e.Err != nil || e.Open == nil {
			return nil
		}
		k := Locator{Volume: e.Volume, Path: e.Path, Inode: e.Inode, Offset: e.Offset, Carved: e.Carved, Deleted: e.Deleted}
		idx, ok := pending[k]
		if !ok {
			return nil
		}
		delete(pending, k)
		c, err := e.Open()
		if err != nil {
			return nil
		}
		for _, i := range idx {
			if err := fn(i, c, e.Size); err != nil {
				c.Close()
				return err
			}
		}
		c.Close()
		if len(pending) == 0 {
			return ErrDone
		}
		return nil
	})
}
