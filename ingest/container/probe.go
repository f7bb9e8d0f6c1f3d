package container

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"scrim/ingest/container/ewf"
)

// probe recognises one container format from the file's first and last
// bytes; open is called only when match says yes.
type probe struct {
	name  string
	match func(head, tail []byte) bool
	open  func(path string) (Image, error)
}

// probes lists the content-recognised formats in the order they are tried.
func probes() []probe { return probeList }

var probeList = []probe{
	{"ewf", func(h, _ []byte) bool { return ewf.Probe(h) }, openEWF},
	{"vhdx", func(h, _ []byte) bool { return bytes.HasPrefix(h, []byte("vhdxfile")) }, openVHDX},
	// A fixed VHD has only the footer at the end; a dynamic one also has
	// a copy at offset 0 (checked so a truncated one is reported, not
	// read as raw).
	{"vhd", func(h, t []byte) bool {
		return bytes.HasPrefix(t, []byte("conectix")) || bytes.HasPrefix(h, []byte("conectix"))
	}, openVHD},
	{"vmdk", func(h, _ []byte) bool { return bytes.HasPrefix(h, []byte("KDMV")) }, openVMDKSparse},
	{"qcow2", func(h, _ []byte) bool { return bytes.HasPrefix(h, []byte(qcowMagic)) }, openQCOW2},
	{"dmg", func(_, t []byte) bool { return bytes.HasPrefix(t, []byte("koly")) }, openUDIF},
	{"dmg", func(h, t []byte) bool {
		return bytes.HasPrefix(h, []byte("encrcdsa")) || bytes.HasSuffix(t, []byte("cdsaencr"))
	}, func(path string) (Image, error) {
		return nil, fmt.Errorf("dmg %s: encrypted disk image (cdsa): not read, the key is needed: %w", path, ErrUnsupported)
	}},
	{"vmdk", func(h, _ []byte) bool { return isVMDKDescriptor(h) }, openVMDKDescriptor},
}

// ErrWrongFormat: the file's name says a container format (E01, VMDK, VHD,
// VHDX) and its content is not that format.
var ErrWrongFormat = errors.New("content does not match the container format its name gives")

// namedFormats are the extensions that promise a container format. A flat
// VMDK extent (NAME-flat.vmdk, NAME-f001.vmdk) is raw data: given alone it is
// read as raw.
var namedFormats = []struct {
	ext  *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`(?i)\.e[0-9]{2}$`), "an E01"},
	{regexp.MustCompile(`(?i)\.ex[0-9]{2}$`), "an Ex01"},
	{regexp.MustCompile(`(?i)\.vhdx$`), "a VHDX"},
	{regexp.MustCompile(`(?i)\.vhd$`), "a VHD"},
	{regexp.MustCompile(`(?i)\.vmdk$`), "a VMDK"},
	{regexp.MustCompile(`(?i)\.qcow2?$`), "a QCOW2"},
}

var flatExtent = regexp.MustCompile(`(?i)-(flat|f[0-9]{3})\.vmdk$`)

// checkExtension refuses a file whose name promises a container format its
// content does not have: an empty or mislabelled "disk.E01" read as raw
// would pass for a disk with nothing on it.
func checkExtension(path string, head []byte) error {
	name := filepath.Base(path)
	if flatExtent.MatchString(name) {
		return nil
	}
	for _, f := range namedFormats {
		if !f.ext.MatchString(name) {
			continue
		}
		if len(head) == 0 {
			return fmt.Errorf("container: %s is empty, not %s: %w", name, f.what, ErrWrongFormat)
		}
		return fmt.Errorf("container: %s is not %s (starts with % x): %w", name, f.what, head[:min(len(head), 8)], ErrWrongFormat)
	}
	return nil
}

// Open probes the file at path by content (not extension) and returns the
// media inside it: VHDX, VHD, VMDK (sparse, or a text descriptor with flat
// extents), QCOW2, DMG (UDIF), then a split raw set by name (NAME.001/NAME.aa given as the
// first segment), then raw. A file that looks like a container but does not
// parse as one is an error, never silently read as raw.
func Open(path string) (Image, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("container: %w", err)
	}
	head, tail, err := headTail(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", path, err)
	}
	for _, p := range probes() {
		if p.match(head, tail) {
			return p.open(path)
		}
	}
	if err := checkExtension(path, head); err != nil {
		return nil, err
	}
	if s, idx, ok := parseSplitName(path); ok {
		s = s.withFirst()
		if idx == s.first {
			return openSplit(path, s)
		}
		if first := s.name(s.first); first != "" {
			if _, err := os.Stat(first); err == nil {
				return nil, fmt.Errorf("container %s: a later segment of the split set starting at %s; open that one", path, first)
			}
		}
	}
	return openRaw(path)
}

// headTail reads the first 4 KiB and the last 512 bytes of f.
func headTail(f *os.File) (head, tail []byte, err error) {
	size, err := fileSize(f)
	if err != nil {
		return nil, nil, err
	}
	head = make([]byte, min(size, 4096))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, nil, err
	}
	if size >= 512 {
		tail = make([]byte, 512)
		if _, err := f.ReadAt(tail, size-512); err != nil && err != io.EOF {
			return nil, nil, err
		}
	}
	return head, tail, nil
}

// openEWF adapts the EWF reader, which lives in its own package.
func openEWF(path string) (Image, error) {
	im, err := ewf.Open(path)
	if err != nil {
		return nil, err
	}
	return im, nil
}

// probeHead and probeTail are how much of a content's start and end the
// probes look at (OpenContentBeside reads those).
const (
	probeHead = 4096
	probeTail = 512
)

// Claims reports whether some probe takes the whole content b (held in
// memory) for a container format: when it does not, OpenContentBeside
// returns b as raw media, or opens a split raw image when its host path
// is a numeric segment name (SplitHost). Ingest asks it first for each
// small file of no known type, which is never read as raw media, so the
// common answer costs no copy of the file's first and last bytes.
func Claims(b []byte) bool {
	head := b[:min(len(b), probeHead)]
	var tail []byte
	if len(b) >= probeTail {
		tail = b[len(b)-probeTail:]
	}
	for _, p := range probes() {
		if p.match(head, tail) {
			return true
		}
	}
	return false
}

// SplitHost reports whether path is named like a numeric segment of a
// split raw image (NAME.001), which OpenContentBeside opens with the
// segments beside it.
func SplitHost(path string) bool {
	s, _, ok := parseSplitName(path)
	return ok && s.numeric
}

// FlatExtentName reports whether path is named like a flat VMDK extent
// (NAME-flat.vmdk, NAME-f001.vmdk), which ExtentOf looks up.
func FlatExtentName(path string) bool {
	// Most names are not even .vmdk: the pattern is not run for them.
	const ext = ".vmdk"
	if len(path) < len(ext) || !strings.EqualFold(path[len(path)-len(ext):], ext) {
		return false
	}
	return flatExtent.MatchString(filepath.Base(path))
}
