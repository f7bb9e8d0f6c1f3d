package evidence

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
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
	return filepath.WalkDir(d.root, func(p string, de fs.DirEntry, walkErr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		slashRel := "/" + filepath.ToSlash(rel)
		if rel == "." {
			slashRel = "/"
		}
		if walkErr != nil {
			// An unreadable folder is recorded, and the walk goes on.
			if de != nil && de.IsDir() && p != d.root {
				if err := fn(Entry{Path: slashRel, Err: fmt.Errorf("read folder: %w", walkErr)}); err != nil {
					return err
				}
				return fs.SkipDir
			}
			if p == d.root {
				return fmt.Errorf("read folder %s: %w", d.root, walkErr)
			}
			return fn(Entry{Path: slashRel, Err: walkErr})
		}
		if de.IsDir() || !de.Type().IsRegular() {
			return nil
		}
		fi, err := de.Info()
		if err != nil {
			return fn(Entry{Path: slashRel, Err: fmt.Errorf("stat: %w", err)})
		}
		return fn(hostEntry(p, path.Clean(slashRel), fi))
	})
}
