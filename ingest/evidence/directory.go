package evidence

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// directory is a folder tree on the examiner's machine (an exported or
// mounted copy of seized media).
type directory struct {
	root    string
	backups iosBackups // iTunes backups met in the folder (iosbackup.go)
}

func openDirectory(abs string, fi os.FileInfo) (Source, error) {
	if !fi.IsDir() {
		return nil, nil
	}
	return &directory{root: abs}, nil
}

func (d *directory) Info() Info   { return Info{Path: d.root, Format: "directory"} }
func (d *directory) Close() error { return nil }

// Walk visits regular files in lexical order. Symbolic links are not
// followed: they would lead out of the evidence or into loops.
func (d *directory) Walk(ctx context.Context, fn func(Entry) error) error {
	fn = d.backups.named(d.root, fn)
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.walkFolder(ctx, d.root, "/", fn)
}

// walkFolder visits one folder. Each file is looked up by its name in the
// open folder (fstatat), not by its whole path from the root: on a tree of
// a million small files the path lookups were a third of the walk.
func (d *directory) walkFolder(ctx context.Context, abs, rel string, fn func(Entry) error) error {
	dir, err := os.Open(abs) // a folder: never in the network poller, Fd stays cheap
	var entries []os.DirEntry
	if err == nil {
		entries, err = dir.ReadDir(-1)
		if err != nil {
			dir.Close()
		}
	}
	if err != nil {
		if abs == d.root {
			return fmt.Errorf("read folder %s: %w", d.root, err)
		}
		// An unreadable folder is recorded, and the walk goes on.
		return fn(Entry{Path: rel, Err: fmt.Errorf("read folder: %w", err)})
	}
	defer dir.Close()
	slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	fd := int(dir.Fd())
	for _, de := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := de.Name()
		childAbs := filepath.Join(abs, name)
		childRel := path.Join(rel, filepath.ToSlash(name))
		if de.IsDir() {
			if err := d.walkFolder(ctx, childAbs, childRel, fn); err != nil {
				return err
			}
			continue
		}
		if !de.Type().IsRegular() {
			continue
		}
		var st unix.Stat_t
		if err := statAt(fd, name, &st); err != nil {
			if err := fn(Entry{Path: childRel, Err: fmt.Errorf("stat: %w", &os.PathError{Op: "lstat", Path: childAbs, Err: err})}); err != nil {
				return err
			}
			continue
		}
		if st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue // replaced by something else since the folder was read
		}
		e := hostEntry(childAbs, childRel, st.Size, st.Ino, timespec(st.Mtim), timespec(st.Atim), timespec(st.Ctim))
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// statAt is lstat of name inside the open folder fd.
func statAt(fd int, name string, st *unix.Stat_t) error {
	for {
		err := unix.Fstatat(fd, name, st, unix.AT_SYMLINK_NOFOLLOW)
		if err != unix.EINTR {
			return err
		}
	}
}

func timespec(t unix.Timespec) time.Time { return time.Unix(t.Sec, t.Nsec).UTC() }
