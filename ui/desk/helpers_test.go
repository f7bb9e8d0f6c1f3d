package desk

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"scrim/ui/preview"
	"scrim/ui/review"
	"scrim/ui/thumbs"
)

func mkTemp() (string, error) { return os.MkdirTemp("", "scrim-desk-") }
func rmTemp(dir string)       { os.RemoveAll(dir) }
func exit(code int)           { os.Exit(code) }

func noThumbFlag() uint8 { return review.FlagNoThumb }

func keyOf(sha [32]byte, l preview.Level) thumbs.Key { return thumbs.Key{SHA: sha, Level: l} }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// copyDir copies a closed case directory so each test has its own.
func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
