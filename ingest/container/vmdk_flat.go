package container

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A VMDK text descriptor ("# Disk DescriptorFile") lists extents, one a line:
//
//	RW 16384 FLAT "disk-flat.vmdk" 0
//
// access, size in sectors, type, file name (relative to the descriptor's
// directory) and, for FLAT, the sector offset inside that file. FLAT/VMFS,
// ZERO and hosted SPARSE extents (monolithicFlat, twoGbMaxExtentFlat,
// twoGbMaxExtentSparse) are read; snapshots and ESX sparse types are refused.

const vmdkMaxExtents = 10000

type vmdkExtent struct {
	access  string
	sectors int64
	kind    string // FLAT, ZERO, SPARSE, VMFS, ...
	file    string
	offset  int64 // sectors into file
}

type vmdkDescriptor struct {
	createType string
	parentCID  string
	extents    []vmdkExtent
}

// isVMDKDescriptor reports whether head (the file's first bytes) opens a
// VMDK text descriptor.
func isVMDKDescriptor(head []byte) bool {
	head = bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n")
	const sig = "# disk descriptorfile"
	return len(head) >= len(sig) && strings.EqualFold(string(head[:len(sig)]), sig)
}

// parseVMDKDescriptor parses descriptor text; it never allocates more than
// a bounded multiple of len(text).
func parseVMDKDescriptor(text []byte) (vmdkDescriptor, error) {
	var d vmdkDescriptor
	if len(text) > vmdkMaxDescBytes {
		return d, corruptf("descriptor of %d bytes exceeds %d", len(text), vmdkMaxDescBytes)
	}
	// Descriptors are padded with NULs (qemu pads standalone ones too).
	if i := bytes.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	for n, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && !strings.ContainsRune(k, '"') {
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "createtype":
				d.createType = v
			case "parentcid":
				d.parentCID = v
			}
			continue
		}
		e, err := parseVMDKExtent(line)
		if err != nil {
			return d, fmt.Errorf("descriptor line %d: %w", n+1, err)
		}
		if len(d.extents) == vmdkMaxExtents {
			return d, corruptf("descriptor lists more than %d extents", vmdkMaxExtents)
		}
		d.extents = append(d.extents, e)
	}
	if len(d.extents) == 0 {
		return d, corruptf("descriptor lists no extents")
	}
	return d, nil
}

// parseVMDKExtent parses one extent line; the quoted file name may contain
// spaces.
func parseVMDKExtent(line string) (vmdkExtent, error) {
	var e vmdkExtent
	head, rest, quoted := strings.Cut(line, `"`)
	f := strings.Fields(head)
	if len(f) != 3 {
		return e, corruptf("malformed extent line %q", line)
	}
	e.access, e.kind = strings.ToUpper(f[0]), strings.ToUpper(f[2])
	switch e.access {
	case "RW", "RDONLY", "NOACCESS":
	default:
		return e, corruptf("extent access %q is not RW, RDONLY or NOACCESS", f[0])
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n < 0 || n > vmdkMaxCapacity/vmdkSector {
		return e, corruptf("extent size %q sectors is out of range", f[1])
	}
	e.sectors = n
	if !quoted {
		if e.kind != "ZERO" {
			return e, corruptf("extent %q has no file name", line)
		}
		return e, nil
	}
	name, tail, ok := strings.Cut(rest, `"`)
	if !ok || name == "" {
		return e, corruptf("extent file name not closed in %q", line)
	}
	e.file = name
	if t := strings.Fields(tail); len(t) > 0 {
		o, err := strconv.ParseInt(t[0], 10, 64)
		if err != nil || o < 0 || o > vmdkMaxCapacity/vmdkSector {
			return e, corruptf("extent offset %q is out of range", t[0])
		}
		e.offset = o
	}
	return e, nil
}

// vmdkExtents reads the extents a descriptor lists as one disk.
type vmdkExtents struct {
	desc    string
	readers []io.ReaderAt // nil for ZERO extents
	closers []io.Closer
	paths   []string // per extent ("" for ZERO)
	bases   []int64  // byte offset of each extent inside its file
	starts  []int64  // media offset of extent i; starts[n] = size
}

// openVMDKDescriptor opens a text descriptor and its flat extents.
func openVMDKDescriptor(path string) (Image, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("vmdk: %w", err)
	}
	text, err := io.ReadAll(io.LimitReader(f, vmdkMaxDescBytes+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("vmdk descriptor %s: %w", path, err)
	}
	d, err := parseVMDKDescriptor(text)
	if err != nil {
		return nil, fmt.Errorf("vmdk descriptor %s: %w", path, err)
	}
	if d.parentCID != "" && !strings.EqualFold(d.parentCID, "ffffffff") {
		return nil, fmt.Errorf("vmdk descriptor %s: snapshot (delta) disk with parent CID %s: %w", path, d.parentCID, ErrUnsupported)
	}
	img := &vmdkExtents{desc: path}
	var off int64
	for i, e := range d.extents {
		if err := img.addExtent(filepath.Dir(path), i, e); err != nil {
			img.Close()
			return nil, fmt.Errorf("vmdk descriptor %s: %w", path, err)
		}
		img.starts = append(img.starts, off)
		off += e.sectors * vmdkSector
		if off > vmdkMaxCapacity {
			img.Close()
			return nil, corruptf("vmdk descriptor %s: extents add up to more than %d bytes", path, int64(vmdkMaxCapacity))
		}
	}
	img.starts = append(img.starts, off)
	return img, nil
}

// addExtent opens extent i read-only and checks it is as long as declared.
func (v *vmdkExtents) addExtent(dir string, i int, e vmdkExtent) error {
	switch e.kind {
	case "ZERO":
		v.readers, v.paths, v.bases = append(v.readers, nil), append(v.paths, ""), append(v.bases, 0)
		return nil
	case "FLAT", "VMFS", "SPARSE":
	default:
		return fmt.Errorf("extent %d is %s (only FLAT, VMFS, SPARSE and ZERO extents are read): %w", i, e.kind, ErrUnsupported)
	}
	// Names are relative to the descriptor; refusing absolute names and
	// "..", keeps a hostile descriptor from pulling in files of the
	// examiner's own system.
	name := filepath.FromSlash(e.file)
	if filepath.IsAbs(name) || !filepath.IsLocal(name) {
		return corruptf("extent %d file %q is not inside the descriptor's directory", i, e.file)
	}
	p := filepath.Join(dir, name)
	f, err := openReadOnly(p)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("extent %d file %s: %w", i, p, ErrMissingSegment)
		}
		return fmt.Errorf("extent %d: %w", i, err)
	}
	v.closers = append(v.closers, f)
	n, err := fileSize(f)
	if err != nil {
		return fmt.Errorf("extent %d file %s: %w", i, p, err)
	}
	var r io.ReaderAt = f
	if e.kind == "SPARSE" {
		s, h, err := newSparseExtent(f, n, p)
		if err != nil {
			return fmt.Errorf("extent %d: %w", i, err)
		}
		if h.capacity != uint64(e.sectors) || e.offset != 0 {
			return corruptf("extent %d file %s holds %d sectors at offset 0, descriptor says %d at %d",
				i, p, h.capacity, e.sectors, e.offset)
		}
		r = s
	} else if need := (e.offset + e.sectors) * vmdkSector; need > n {
		return corruptf("extent %d file %s is %d bytes, descriptor needs %d (truncated?)", i, p, n, need)
	}
	v.readers, v.paths, v.bases = append(v.readers, r), append(v.paths, p), append(v.bases, e.offset*vmdkSector)
	return nil
}

func (v *vmdkExtents) ReadAt(p []byte, off int64) (int, error) {
	return concatReadAt(p, off, v.starts, "vmdk extent", func(i int) mediaPiece {
		return mediaPiece{r: v.readers[i], base: v.bases[i], name: v.paths[i]}
	})
}

func (v *vmdkExtents) Size() int64    { return v.starts[len(v.starts)-1] }
func (v *vmdkExtents) Format() string { return "vmdk" }

func (v *vmdkExtents) Segments() []string {
	s := []string{v.desc}
	for _, p := range v.paths {
		if p != "" && p != s[len(s)-1] {
			s = append(s, p)
		}
	}
	return s
}

func (v *vmdkExtents) StoredHashes() map[string]string { return map[string]string{} }

func (v *vmdkExtents) Close() error {
	var first error
	for _, c := range v.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
