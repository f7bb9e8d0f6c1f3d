package container

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"

	"scrim/ingest/container/ewf"
)

// OpenContent opens the media of a disk-image file found inside other
// evidence: a file of a folder, a member of an archive, a file inside
// another disk image. r is its content (size bytes), name labels it in
// messages and where names the file holding it. The format is probed by
// content, like Open; content no probe claims is returned as raw media.
//
// host is the file's own path on the examiner's machine when it has one (a
// file of a folder given as evidence): an E01's further segments and a VMDK
// descriptor's extent files are then found beside it by name, as for
// evidence given directly. Without it, only what this one file holds is
// read, and what lies in sibling files is reported as not found.
func OpenContent(r io.ReaderAt, size int64, name, host, where string) (Image, error) {
	return OpenContentBeside(r, size, name, host, where, nil)
}

// Beside lists and opens the files beside one found inside an archive
// (the other members of its folder there): an E01's further segments are
// found among them by name.
type Beside = ewf.Beside

// OpenContentBeside is OpenContent for a file found inside an archive,
// with the members beside it (nil: none known).
func OpenContentBeside(r io.ReaderAt, size int64, name, host, where string, beside Beside) (Image, error) {
	head := make([]byte, min(size, probeHead))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return nil, fmt.Errorf("container %s: read first bytes: %w", name, err)
	}
	var tail []byte
	if size >= probeTail {
		tail = make([]byte, probeTail)
		if n, err := r.ReadAt(tail, size-probeTail); n < len(tail) {
			return nil, fmt.Errorf("container %s: read last bytes: %w", name, err)
		}
	}
	for _, p := range probes() {
		if !p.match(head, tail) {
			continue
		}
		if host != "" {
			return p.open(host)
		}
		return openContentAs(p.name, head, tail, r, size, name, where, beside)
	}
	if host != "" {
		if s, idx, ok := parseSplitName(host); ok && s.numeric {
			if s = s.withFirst(); idx == s.first {
				if paths, err := splitMembers(host, s); err == nil && len(paths) > 1 {
					return openSplit(host, s)
				}
			}
		}
	}
	return &contentImage{r: r, size: size, name: name}, nil
}

// openContentAs opens content a probe claimed as format, without a folder
// to find other files in (an E01's segments are looked for beside).
func openContentAs(format string, head, tail []byte, r io.ReaderAt, size int64, name, where string, beside Beside) (Image, error) {
	switch {
	case format == "ewf":
		im, err := ewf.OpenBeside(r, size, name, where, beside)
		if err != nil {
			return nil, err
		}
		return im, nil
	case format == "vhdx":
		return image(newVHDX(r, size, name))
	case format == "vhd":
		return image(newVHD(r, size, name))
	case format == "vmdk" && bytes.HasPrefix(head, []byte("KDMV")):
		return image(newVMDKSparse(r, size, name))
	case format == "vmdk":
		return nil, fmt.Errorf("vmdk descriptor %s: its extent files are not found inside %s (only a descriptor in a folder finds them): %w",
			name, where, ErrMissingSegment)
	case format == "qcow2":
		return image(newQCOW2(r, size, name))
	case format == "dmg" && bytes.HasPrefix(tail, []byte("koly")):
		return image(newUDIF(r, size, name))
	case format == "dmg":
		return nil, fmt.Errorf("dmg %s: encrypted disk image (cdsa): not read, the key is needed: %w", name, ErrUnsupported)
	}
	return nil, fmt.Errorf("container %s: %s: %w", name, format, ErrUnsupported)
}

// contentImage is raw media read from a file's content.
type contentImage struct {
	r    io.ReaderAt
	size int64
	name string
}

func (c *contentImage) ReadAt(p []byte, off int64) (int, error) {
	q, eof, err := clampRead(p, off, c.size)
	if err != nil {
		return 0, err
	}
	n, err := c.r.ReadAt(q, off)
	if n < len(q) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return n, fmt.Errorf("raw %s offset %d: %w", c.name, off+int64(n), err)
	}
	if eof {
		return n, io.EOF
	}
	return n, nil
}

func (c *contentImage) Size() int64                     { return c.size }
func (c *contentImage) Format() string                  { return "raw" }
func (c *contentImage) Segments() []string              { return []string{c.name} }
func (c *contentImage) StoredHashes() map[string]string { return map[string]string{} }
func (c *contentImage) Close() error                    { return nil }

// image keeps a failed constructor's typed nil out of the interface.
func image[T Image](img T, err error) (Image, error) {
	if err != nil {
		return nil, err
	}
	return img, nil
}

// ExtentOf reports, for a file of a folder, the VMDK descriptor beside it
// that names it as an extent (NAME-flat.vmdk, NAME-f001.vmdk): the file is
// then read through that descriptor, not as a disk of its own.
func ExtentOf(path string) (string, bool) {
	if !flatExtent.MatchString(filepath.Base(path)) {
		return "", false
	}
	desc := flatExtent.ReplaceAllString(path, ".vmdk")
	f, err := openReadOnly(desc)
	if err != nil {
		return "", false
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, vmdkMaxDescBytes+1))
	if err != nil || !isVMDKDescriptor(text) {
		return "", false
	}
	d, err := parseVMDKDescriptor(text)
	if err != nil {
		return "", false
	}
	for _, e := range d.extents {
		if filepath.Join(filepath.Dir(desc), filepath.FromSlash(e.file)) == path {
			return desc, true
		}
	}
	return "", false
}
