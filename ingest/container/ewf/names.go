package ewf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Segment files are named NAME.E01 … NAME.E99, then NAME.EAA … NAME.EZZ,
// NAME.FAA … NAME.ZZZ (the .s01 family of SMART images counts the same way
// from S). The letter case of the first segment is kept by the writers, but
// copies made on case-folding file systems mix it, so matching ignores case.

// maxSegments bounds the numbering for both families: E01–E99 plus 22×676
// letter names from EAA to ZZZ.
const maxSegments = 99 + 22*26*26

// segmentNumber returns the number of a three-character extension (without
// the dot) in the family whose first letter is family ('E' or 'S'), or 0.
func segmentNumber(ext string, family byte) int {
	if len(ext) != 3 {
		return 0
	}
	e := strings.ToUpper(ext)
	if e[1] >= '0' && e[1] <= '9' && e[2] >= '0' && e[2] <= '9' {
		if e[0] != family {
			return 0
		}
		return int(e[1]-'0')*10 + int(e[2]-'0')
	}
	if e[0] < family || e[0] > 'Z' || e[1] < 'A' || e[1] > 'Z' || e[2] < 'A' || e[2] > 'Z' {
		return 0
	}
	n := 100 + int(e[0]-family)*676 + int(e[1]-'A')*26 + int(e[2]-'A')
	if n > maxSegments {
		return 0
	}
	return n
}

// segmentExt is the inverse of segmentNumber, upper-case.
func segmentExt(n int, family byte) string {
	if n < 100 {
		return string([]byte{family, byte('0' + n/10), byte('0' + n%10)})
	}
	n -= 100
	return string([]byte{family + byte(n/676), byte('A' + n/26%26), byte('A' + n%26)})
}

// siblings finds the segment files of the image whose first segment is
// first. It returns the paths indexed by segment number - 1 (empty for a
// missing number) up to the highest number present. A first segment without
// a recognised extension is a single-segment image.
func siblings(first string) ([]string, error) {
	dir, base := filepath.Split(first)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	ext = strings.TrimPrefix(ext, ".")
	family := byte(0)
	if len(ext) == 3 {
		family = strings.ToUpper(ext)[0]
	}
	if (family != 'E' && family != 'S') || segmentNumber(ext, family) == 0 {
		return []string{first}, nil
	}
	if n := segmentNumber(ext, family); n != 1 {
		return nil, fmt.Errorf("ewf: %s is segment %d: open the first segment (.%s01): %w", base, n, string(ext[0]), ErrLaterSegment)
	}
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return probeSiblings(first, dir, stem, ext[0], family), nil
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	paths := matchSegments(base, names)
	for i, p := range paths {
		if p != "" {
			paths[i] = filepath.Join(dir, p)
		}
	}
	paths[0] = first
	return paths, nil
}

// matchSegments picks, among the file names beside a first segment called
// base (names without a folder), the segments of its image: the names
// indexed by segment number - 1 (empty for a missing number) up to the
// highest number present; [0] is base. A base without a segment extension
// is a single-segment image.
func matchSegments(base string, names []string) []string {
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	ext = strings.TrimPrefix(ext, ".")
	family := byte(0)
	if len(ext) == 3 {
		family = strings.ToUpper(ext)[0]
	}
	if (family != 'E' && family != 'S') || segmentNumber(ext, family) != 1 {
		return []string{base}
	}
	found := map[int]string{}
	hi := 1
	for _, name := range names {
		if len(name) != len(stem)+4 || name[:len(stem)] != stem || name[len(stem)] != '.' {
			continue
		}
		n := segmentNumber(name[len(stem)+1:], family)
		if n == 0 {
			continue
		}
		// Prefer the spelling in the case of the first segment.
		if prev, ok := found[n]; ok && strings.HasSuffix(prev, string(ext[0])+name[len(name)-2:]) {
			continue
		}
		found[n] = name
		hi = max(hi, n)
	}
	paths := make([]string, hi)
	for n, p := range found {
		paths[n-1] = p
	}
	paths[0] = base
	return paths
}

// probeSiblings is the fallback when the directory cannot be listed: stat
// the names in turn until the first one that does not exist.
func probeSiblings(first, dir, stem string, letter, family byte) []string {
	paths := []string{first}
	lower := letter >= 'a'
	for n := 2; n <= maxSegments; n++ {
		ext := segmentExt(n, family)
		if lower {
			ext = strings.ToLower(ext)
		}
		p := filepath.Join(dir, stem+"."+ext)
		if _, err := os.Stat(p); err != nil {
			break
		}
		paths = append(paths, p)
	}
	return paths
}

// ErrLaterSegment: the file is a later segment of an image, read with its
// first segment (FirstSegment names it).
var ErrLaterSegment = errors.New("a later segment of an image")

// FirstSegment is the expected path of the first segment of the image
// path is a segment of, spelled like path.
func FirstSegment(path string) string { return segmentName(path, 1) }

// segmentName is the expected path of segment n, spelled like first.
func segmentName(first string, n int) string {
	ext := filepath.Ext(first)
	if len(ext) != 4 {
		return fmt.Sprintf("%s (segment %d)", first, n)
	}
	e := segmentExt(n, strings.ToUpper(ext[1:2])[0])
	if ext[1] >= 'a' {
		e = strings.ToLower(e)
	}
	return strings.TrimSuffix(first, ext) + "." + e
}
