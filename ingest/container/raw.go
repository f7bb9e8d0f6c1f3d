package container

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// rawImage is a plain dd-style image: the file's bytes are the media.
type rawImage struct {
	f    *os.File
	path string
	size int64
}

// openReadOnly opens evidence for reading only; O_NOATIME (where permitted)
// leaves the evidence's access time untouched.
func openReadOnly(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOATIME, 0)
	if err != nil {
		// O_NOATIME is refused on files we do not own unless privileged.
		f, err = os.OpenFile(path, os.O_RDONLY, 0)
	}
	return f, err
}

// fileSize returns the byte size of f; block devices report 0 from stat, so
// their size is taken by seeking to the end.
func fileSize(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.IsDir() {
		return 0, fmt.Errorf("%s is a directory", f.Name())
	}
	if fi.Mode()&os.ModeDevice == 0 {
		return fi.Size(), nil
	}
	n, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	_, err = f.Seek(0, io.SeekStart)
	return n, err
}

// openRaw opens path as a raw image.
func openRaw(path string) (*rawImage, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("raw: %w", err)
	}
	size, err := fileSize(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("raw %s: %w", path, err)
	}
	return &rawImage{f: f, path: path, size: size}, nil
}

func (r *rawImage) ReadAt(p []byte, off int64) (int, error) {
	q, eof, err := clampRead(p, off, r.size)
	if err != nil {
		return 0, err
	}
	n, err := r.f.ReadAt(q, off)
	if n < len(q) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF // the file shrank since it was opened
		}
		return n, fmt.Errorf("raw %s offset %d: %w", r.path, off+int64(n), err)
	}
	if eof {
		return n, io.EOF
	}
	return n, nil
}

func (r *rawImage) Size() int64                     { return r.size }
func (r *rawImage) Format() string                  { return "raw" }
func (r *rawImage) Segments() []string              { return []string{r.path} }
func (r *rawImage) StoredHashes() map[string]string { return map[string]string{} }
func (r *rawImage) Close() error                    { return r.f.Close() }
