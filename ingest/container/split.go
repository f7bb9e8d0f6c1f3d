package container

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// maxSegments bounds how many pieces a split set may have (FTK/dd split
// sets rarely exceed a few thousand; 10^6 would be a naming-scheme overflow).
const maxSegments = 100000

// splitImage concatenates segment files NAME.001, NAME.002, … (or .aa, .ab, …).
type splitImage struct {
	files  []*os.File
	paths  []string
	starts []int64 // starts[i] is the media offset of segment i; starts[n] = size
}

// splitScheme describes a segment-name suffix: numeric (width digits, from
// first) or alphabetic (width letters from 'a' or 'A').
type splitScheme struct {
	prefix  string // path up to and including the final "."
	numeric bool
	upper   bool
	width   int
	first   int
}

// parseSplitName reports the scheme and index of path if its extension looks
// like a split segment (".000"/".001" style digits, or ".aa" style letters).
func parseSplitName(path string) (splitScheme, int, bool) {
	dot := strings.LastIndexByte(path, '.')
	if dot < 0 || strings.ContainsRune(path[dot:], filepath.Separator) {
		return splitScheme{}, 0, false
	}
	ext := path[dot+1:]
	if len(ext) < 2 || len(ext) > 6 {
		return splitScheme{}, 0, false
	}
	s := splitScheme{prefix: path[:dot+1], width: len(ext)}
	switch {
	case allIn(ext, '0', '9'):
		s.numeric = true
		n, _ := strconv.Atoi(ext)
		// Most tools start at 001; split -d starts at 000 (see firstIndex).
		s.first = 1
		return s, n, true
	case allIn(ext, 'a', 'z'), allIn(ext, 'A', 'Z'):
		s.upper = ext[0] <= 'Z'
		n := 0
		for _, c := range strings.ToLower(ext) {
			n = n*26 + int(c-'a')
		}
		return s, n, true
	}
	return splitScheme{}, 0, false
}

func allIn(s string, lo, hi byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < lo || s[i] > hi {
			return false
		}
	}
	return true
}

// withFirst returns s with first set to 0 when a numeric set has a ".000"
// segment on disk.
func (s splitScheme) withFirst() splitScheme {
	if s.numeric {
		if _, err := os.Lstat(s.name(0)); err == nil {
			s.first = 0
		}
	}
	return s
}

// name returns the path of segment index i, or "" past the scheme's range.
func (s splitScheme) name(i int) string {
	if s.numeric {
		v := strconv.Itoa(i)
		if len(v) > s.width {
			return ""
		}
		return s.prefix + strings.Repeat("0", s.width-len(v)) + v
	}
	b := make([]byte, s.width)
	base := byte('a')
	if s.upper {
		base = 'A'
	}
	for k := s.width - 1; k >= 0; k-- {
		b[k] = base + byte(i%26)
		i /= 26
	}
	if i != 0 {
		return ""
	}
	return s.prefix + string(b)
}

// splitMembers lists the segment paths of the set whose first segment is
// path, checking there is no gap up to the highest-numbered segment present.
func splitMembers(path string, s splitScheme) ([]string, error) {
	var paths []string
	for i := s.first; i < s.first+maxSegments; i++ {
		name := s.name(i)
		if name == "" {
			break
		}
		if _, err := os.Stat(name); err != nil {
			break
		}
		paths = append(paths, name)
	}
	if len(paths) == maxSegments {
		return nil, fmt.Errorf("split %s: more than %d segments", path, maxSegments)
	}
	// A later segment beyond the first gap means one is missing.
	last := s.first + len(paths) - 1
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("split %s: %w", path, err)
	}
	var later []int
	for _, e := range entries {
		full := filepath.Join(filepath.Dir(path), e.Name())
		t, idx, ok := parseSplitName(full)
		if ok && t.prefix == s.prefix && t.width == s.width && t.numeric == s.numeric &&
			t.upper == s.upper && idx > last {
			later = append(later, idx)
		}
	}
	if len(later) > 0 {
		sort.Ints(later)
		return nil, fmt.Errorf("split %s: segment %s is missing but %s exists: %w",
			path, s.name(last+1), s.name(later[0]), ErrMissingSegment)
	}
	return paths, nil
}

// openSplit opens the split set whose first segment is path.
func openSplit(path string, s splitScheme) (*splitImage, error) {
	paths, err := splitMembers(path, s)
	if err != nil {
		return nil, err
	}
	img := &splitImage{paths: paths, starts: make([]int64, 0, len(paths)+1)}
	var off int64
	for _, p := range paths {
		f, err := openReadOnly(p)
		if err != nil {
			img.Close()
			return nil, fmt.Errorf("split segment %s: %w", p, err)
		}
		img.files = append(img.files, f)
		n, err := fileSize(f)
		if err != nil {
			img.Close()
			return nil, fmt.Errorf("split segment %s: %w", p, err)
		}
		img.starts = append(img.starts, off)
		off += n
	}
	img.starts = append(img.starts, off)
	return img, nil
}

func (s *splitImage) ReadAt(p []byte, off int64) (int, error) {
	return concatReadAt(p, off, s.starts, "split segment", func(i int) mediaPiece {
		return mediaPiece{r: s.files[i], name: s.paths[i]}
	})
}

func (s *splitImage) Size() int64                     { return s.starts[len(s.starts)-1] }
func (s *splitImage) Format() string                  { return "split-raw" }
func (s *splitImage) Segments() []string              { return append([]string(nil), s.paths...) }
func (s *splitImage) StoredHashes() map[string]string { return map[string]string{} }

func (s *splitImage) Close() error {
	var first error
	for _, f := range s.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
