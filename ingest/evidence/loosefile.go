package evidence

import (
	"context"
	"os"
	"path/filepath"
)

// looseFile is a single file given as evidence (a picture sent by e-mail, an
// attachment). Disk-image formats are probed before it.
type looseFile struct {
	path string
	fi   os.FileInfo
}

func openLooseFile(abs string, fi os.FileInfo) (Source, error) {
	if !fi.Mode().IsRegular() {
		return nil, nil
	}
	// Opening proves it is readable before any work starts.
	f, err := openReadOnly(abs)
	if err != nil {
		return nil, err
	}
	f.Close()
	return &looseFile{path: abs, fi: fi}, nil
}

func (l *looseFile) Info() Info {
	return Info{Path: l.path, Format: "file", Size: l.fi.Size()}
}
func (l *looseFile) Close() error { return nil }

func (l *looseFile) Walk(ctx context.Context, fn func(Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(hostEntryInfo(l.path, "/"+filepath.Base(l.path), l.fi))
}
