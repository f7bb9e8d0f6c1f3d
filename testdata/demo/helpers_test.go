package demo

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// diskFile is what a test sees of one file on disk.
type diskFile struct {
	sum   [32]byte
	size  int64
	mtime time.Time
}

// readTree hashes every file and directory time under root, keyed by slash path
// (directories get a trailing slash).
func readTree(t *testing.T, root string) map[string]diskFile {
	t.Helper()
	out := map[string]diskFile{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			out[key+"/"] = diskFile{mtime: info.ModTime()}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[key] = diskFile{sum: sha256.Sum256(data), size: info.Size(), mtime: info.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return out
}

// generate makes a tree in a fresh temporary directory.
func generate(t *testing.T, opt Options) *Manifest {
	t.Helper()
	m, err := Generate(filepath.Join(t.TempDir(), "evidence"), opt)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opt, err)
	}
	return m
}

func withFFmpeg() bool {
	_, err := lookFFmpeg()
	return err == nil
}
