package container

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// QCOW2 (QEMU copy-on-write, versions 2 and 3, as qemu's
// docs/interop/qcow2.txt describes it): a big-endian header, an L1 table of
// L2 table offsets, and L2 tables of cluster descriptors. A descriptor is a
// standard cluster at a host offset, an all-zero cluster (version 3), an
// unallocated cluster (zeros: no backing file is read), or a compressed
// cluster (deflate, or zstd in version 3) spanning 512-byte sectors. With
// extended L2 entries each cluster is split into 32 subclusters, each
// allocated, zero or unallocated on its own.
//
// Images whose media is not in this one file are refused: a backing file
// (the guest's older writes are there), an external data file, encryption.

const (
	qcowMagic        = "QFI\xfb"
	qcowHeaderV2Size = 72
	qcowMinBits      = 9
	qcowMaxBits      = 21
	// qcowMaxL1Bytes is qemu's own limit on the L1 table.
	qcowMaxL1Bytes = 32 << 20
	// qcowMaxSize bounds the declared media size (qemu's limit is 2^61;
	// nothing seized comes near 2^56).
	qcowMaxSize = 1 << 56

	qcowOffsetMask = 0x00ff_ffff_ffff_fe00 // bits 9–55: host offset
	qcowCompressed = 1 << 62
	qcowZeroFlag   = 1 // standard L2 entry, version 3: the cluster reads as zeros

	qcowIncompatDirty       = 1 << 0
	qcowIncompatCorrupt     = 1 << 1
	qcowIncompatExternal    = 1 << 2
	qcowIncompatCompression = 1 << 3
	qcowIncompatExtendedL2  = 1 << 4
	qcowIncompatKnown       = 0x1f

	qcowSubclusters = 32

	// qcowL2Cache bounds the L2 tables kept in memory (at most 2 MiB each).
	qcowL2Cache = 32
)

type qcowHeader struct {
	version     uint32
	backingOff  uint64
	backingLen  uint32
	clusterBits uint32
	size        uint64
	cryptMethod uint32
	l1Size      uint32
	l1Offset    uint64
	snapshots   uint32
	incompat    uint64
	compression byte // 0 deflate, 1 zstd
}

// parseQCOWHeader decodes the header fields this reader needs from b (at
// least the version 2 header; the version 3 fields when present).
func parseQCOWHeader(b []byte) (qcowHeader, error) {
	if len(b) < qcowHeaderV2Size || string(b[:4]) != qcowMagic {
		return qcowHeader{}, corruptf("no QFI\\xfb magic")
	}
	be := binary.BigEndian
	h := qcowHeader{
		version:     be.Uint32(b[4:]),
		backingOff:  be.Uint64(b[8:]),
		backingLen:  be.Uint32(b[16:]),
		clusterBits: be.Uint32(b[20:]),
		size:        be.Uint64(b[24:]),
		cryptMethod: be.Uint32(b[32:]),
		l1Size:      be.Uint32(b[36:]),
		l1Offset:    be.Uint64(b[40:]),
		snapshots:   be.Uint32(b[60:]),
	}
	switch h.version {
	case 2:
		return h, nil
	case 3:
	default:
		return h, fmt.Errorf("version %d (this reader knows 2 and 3): %w", h.version, ErrUnsupported)
	}
	if len(b) < 104 {
		return h, corruptf("version 3 header cut short at %d bytes", len(b))
	}
	h.incompat = be.Uint64(b[72:])
	headerLen := be.Uint32(b[100:])
	if headerLen < 104 {
		return h, corruptf("version 3 header length %d < 104", headerLen)
	}
	if h.incompat&qcowIncompatCompression != 0 {
		if headerLen < 105 || len(b) < 105 {
			return h, corruptf("compression type flagged but header length is %d", headerLen)
		}
		h.compression = b[104]
	}
	return h, nil
}

// qcowImage reads a QCOW2 image. ReadAt is safe for concurrent use: the L2
// and decompressed-cluster caches are behind mu.
type qcowImage struct {
	r        io.ReaderAt
	c        io.Closer
	path     string
	fileSize int64
	h        qcowHeader

	clusterSize int64
	entryBytes  int64 // 8, or 16 with extended L2 entries
	l2Entries   int64 // descriptors per L2 table
	l1          []uint64
	problems    []string

	mu       sync.Mutex
	l2       map[uint64][]uint64 // L2 table host offset → entries (pairs when extended)
	zstd     *zstd.Decoder
	lastComp uint64 // host descriptor of the cluster in lastData
	lastData []byte
}

// openQCOW2 opens path as a QCOW2 image.
func openQCOW2(path string) (Image, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("qcow2: %w", err)
	}
	n, err := fileSize(f)
	if err == nil {
		var img *qcowImage
		if img, err = newQCOW2(f, n, path); err == nil {
			img.c = f
			return img, nil
		}
	}
	f.Close()
	return nil, err
}

// newQCOW2 parses the QCOW2 structures of r (fileSize bytes long). Every
// offset and count is checked against fileSize before it is used; L2
// tables are checked when first read.
func newQCOW2(r io.ReaderAt, fileSize int64, name string) (*qcowImage, error) {
	head := make([]byte, 112)
	n, err := r.ReadAt(head, 0)
	if n < qcowHeaderV2Size {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("qcow2 %s: header: %w", name, err)
	}
	h, err := parseQCOWHeader(head[:n])
	if err != nil {
		return nil, fmt.Errorf("qcow2 %s: header: %w", name, err)
	}
	if h.backingOff != 0 {
		return nil, fmt.Errorf("qcow2 %s: has a backing file %q: the disk's older data is in that file; give the merged image (qemu-img convert -O raw or -O qcow2 of this file) instead: %w",
			name, readBackingName(r, h, fileSize), ErrUnsupported)
	}
	if h.cryptMethod != 0 {
		how := map[uint32]string{1: "AES", 2: "LUKS"}[h.cryptMethod]
		if how == "" {
			how = fmt.Sprintf("method %d", h.cryptMethod)
		}
		return nil, fmt.Errorf("qcow2 %s: encrypted (%s): not read, the key is needed: %w", name, how, ErrUnsupported)
	}
	if unknown := h.incompat &^ qcowIncompatKnown; unknown != 0 {
		return nil, fmt.Errorf("qcow2 %s: incompatible feature bits %#x this reader does not know: %w", name, unknown, ErrUnsupported)
	}
	if h.incompat&qcowIncompatExternal != 0 {
		return nil, fmt.Errorf("qcow2 %s: its data is in an external data file, not in this image: %w", name, ErrUnsupported)
	}
	if h.compression > 1 {
		return nil, fmt.Errorf("qcow2 %s: compression type %d (known: 0 deflate, 1 zstd): %w", name, h.compression, ErrUnsupported)
	}
	if h.clusterBits < qcowMinBits || h.clusterBits > qcowMaxBits {
		return nil, corruptf("qcow2 %s: cluster bits %d outside %d–%d", name, h.clusterBits, qcowMinBits, qcowMaxBits)
	}
	if h.size > qcowMaxSize {
		return nil, corruptf("qcow2 %s: declared size %d is absurd", name, h.size)
	}
	img := &qcowImage{r: r, path: name, fileSize: fileSize, h: h,
		clusterSize: 1 << h.clusterBits, entryBytes: 8, l2: map[uint64][]uint64{}}
	if h.incompat&qcowIncompatExtendedL2 != 0 {
		if h.clusterBits < 14 {
			return nil, corruptf("qcow2 %s: extended L2 entries need clusters of at least 16 KiB, not %d bytes", name, img.clusterSize)
		}
		img.entryBytes = 16
	}
	img.l2Entries = img.clusterSize / img.entryBytes
	perL1 := img.clusterSize * img.l2Entries
	need := (int64(h.size) + perL1 - 1) / perL1
	if int64(h.l1Size) < need {
		return nil, corruptf("qcow2 %s: L1 table of %d entries cannot map %d bytes (needs %d)", name, h.l1Size, h.size, need)
	}
	if int64(h.l1Size)*8 > qcowMaxL1Bytes {
		return nil, corruptf("qcow2 %s: L1 table of %d entries exceeds %d bytes", name, h.l1Size, qcowMaxL1Bytes)
	}
	// Only the entries that map the media are read; the rest must exist
	// in the file but are never used.
	l1Bytes := need * 8
	if h.l1Offset%uint64(img.clusterSize) != 0 || h.l1Offset > uint64(fileSize) || int64(h.l1Size)*8 > fileSize-int64(h.l1Offset) {
		return nil, corruptf("qcow2 %s: L1 table of %d entries at offset %d does not fit a %d-byte file on a cluster boundary",
			name, h.l1Size, h.l1Offset, fileSize)
	}
	raw := make([]byte, l1Bytes)
	if _, err := r.ReadAt(raw, int64(h.l1Offset)); err != nil && !(err == io.EOF && len(raw) == 0) {
		return nil, fmt.Errorf("qcow2 %s: L1 table at offset %d: %w", name, h.l1Offset, err)
	}
	img.l1 = make([]uint64, need)
	for i := range img.l1 {
		e := binary.BigEndian.Uint64(raw[8*i:]) & qcowOffsetMask
		if e != 0 && (e%uint64(img.clusterSize) != 0 || int64(e) > fileSize-img.clusterSize) {
			return nil, corruptf("qcow2 %s: L1 entry %d points to offset %d, not a cluster inside the %d-byte file", name, i, e, fileSize)
		}
		img.l1[i] = e
	}
	if h.compression == 1 {
		if img.zstd, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(uint64(4*img.clusterSize))); err != nil {
			return nil, fmt.Errorf("qcow2 %s: zstd decoder: %w", name, err)
		}
	}
	if h.incompat&qcowIncompatDirty != 0 {
		img.problems = append(img.problems, "qcow2 image was not closed cleanly (dirty flag): its reference counts may be stale; the data is read as its tables map it")
	}
	if h.incompat&qcowIncompatCorrupt != 0 {
		img.problems = append(img.problems, "qcow2 image is marked corrupt by qemu: its tables may be inconsistent; the data is read as they map it")
	}
	if h.snapshots > 0 {
		img.problems = append(img.problems, fmt.Sprintf("qcow2 image holds %d internal snapshot(s): only the current state is read; older states may hold other files (qemu-img snapshot -l lists them)", h.snapshots))
	}
	return img, nil
}

// readBackingName returns the backing file name for the refusal message.
func readBackingName(r io.ReaderAt, h qcowHeader, fileSize int64) string {
	n := int64(min(h.backingLen, 1023))
	if h.backingOff > uint64(fileSize) || n > fileSize-int64(h.backingOff) {
		return "(name outside the file)"
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, int64(h.backingOff)); err != nil && err != io.EOF {
		return "(unreadable name)"
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}

func (q *qcowImage) ReadAt(p []byte, off int64) (int, error) {
	p, eof, err := clampRead(p, off, int64(q.h.size))
	if err != nil {
		return 0, err
	}
	for done := 0; done < len(p); {
		pos := off + int64(done)
		in := pos % q.clusterSize
		chunk := p[done:min(len(p), done+int(q.clusterSize-in))]
		if err := q.readCluster(chunk, pos/q.clusterSize, in); err != nil {
			return done, fmt.Errorf("qcow2 %s media offset %d: %w", q.path, pos, err)
		}
		done += len(chunk)
	}
	if eof {
		return len(p), io.EOF
	}
	return len(p), nil
}

// readCluster fills p from guest cluster idx, starting in bytes into it.
func (q *qcowImage) readCluster(p []byte, idx, in int64) error {
	l2Off := q.l1[idx/q.l2Entries]
	if l2Off == 0 {
		zero(p)
		return nil
	}
	entry, bitmap, err := q.descriptor(l2Off, idx%q.l2Entries)
	if err != nil {
		return err
	}
	if entry&qcowCompressed != 0 {
		data, err := q.decompress(entry)
		if err != nil {
			return err
		}
		copy(p, data[in:])
		return nil
	}
	host := entry & qcowOffsetMask
	if q.entryBytes == 8 {
		if host == 0 || entry&qcowZeroFlag != 0 && q.h.version >= 3 {
			zero(p)
			return nil
		}
		return q.readHost(p, host, in)
	}
	// Extended L2: each subcluster is allocated, zero or unallocated.
	sub := q.clusterSize / qcowSubclusters
	for done := int64(0); done < int64(len(p)); {
		at := in + done
		s := at / sub
		part := p[done:min(int64(len(p)), done+sub-at%sub)]
		switch {
		case bitmap&(1<<(32+s)) != 0, bitmap&(1<<s) == 0:
			zero(part)
		case host == 0:
			return corruptf("subcluster %d of cluster %d is allocated but the cluster has no host offset", s, idx)
		default:
			if err := q.readHost(part, host, at); err != nil {
				return err
			}
		}
		done += int64(len(part))
	}
	return nil
}

// readHost reads p from the standard cluster at host offset host, in bytes in.
func (q *qcowImage) readHost(p []byte, host uint64, in int64) error {
	// The last cluster may end early when only its first subclusters
	// were written: the read below catches a short one.
	if host%uint64(q.clusterSize) != 0 || int64(host) >= q.fileSize {
		return corruptf("data cluster at offset %d is not a cluster inside the %d-byte file", host, q.fileSize)
	}
	if n, err := q.r.ReadAt(p, int64(host)+in); n < len(p) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("data cluster at file offset %d: %w", int64(host)+in+int64(n), err)
	}
	return nil
}

// descriptor returns L2 entry i of the table at l2Off (and its subcluster
// bitmap with extended entries), reading the table once into the cache.
func (q *qcowImage) descriptor(l2Off uint64, i int64) (entry, bitmap uint64, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, ok := q.l2[l2Off]
	if !ok {
		raw := make([]byte, q.clusterSize)
		if n, err := q.r.ReadAt(raw, int64(l2Off)); n < len(raw) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, fmt.Errorf("L2 table at file offset %d: %w", l2Off, err)
		}
		t = make([]uint64, q.clusterSize/8)
		for k := range t {
			t[k] = binary.BigEndian.Uint64(raw[8*k:])
		}
		if len(q.l2) >= qcowL2Cache {
			for k := range q.l2 { // evict any one: the cache only bounds memory
				delete(q.l2, k)
				break
			}
		}
		q.l2[l2Off] = t
	}
	if q.entryBytes == 16 {
		return t[2*i], t[2*i+1], nil
	}
	return t[i], 0, nil
}

// decompress returns the guest cluster a compressed descriptor holds. The
// last one is kept: sequential reads ask for the same cluster many times.
func (q *qcowImage) decompress(entry uint64) ([]byte, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.lastData != nil && q.lastComp == entry {
		return q.lastData, nil
	}
	// The host offset takes the low 62-(cluster_bits-8) bits; above it,
	// the count of 512-byte sectors after the first.
	x := 62 - (q.h.clusterBits - 8)
	host := int64(entry & (1<<x - 1))
	sectors := int64(entry>>x) & (1<<(q.h.clusterBits-8) - 1)
	length := (sectors+1)*512 - host%512
	if host <= 0 || host >= q.fileSize {
		return nil, corruptf("compressed cluster at offset %d outside the %d-byte file", host, q.fileSize)
	}
	// The last cluster of a file may claim sectors past its end.
	length = min(length, q.fileSize-host)
	comp := make([]byte, length)
	if n, err := q.r.ReadAt(comp, host); int64(n) < length {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("compressed cluster at file offset %d: %w", host, err)
	}
	out := make([]byte, q.clusterSize)
	// Like qemu, decode until the cluster is full: the sector count
	// rounds up, so bytes of the next cluster may follow the stream.
	var dec io.Reader
	if q.zstd != nil {
		if err := q.zstd.Reset(bytes.NewReader(comp)); err != nil {
			return nil, corruptf("zstd cluster at file offset %d: %v", host, err)
		}
		dec = q.zstd
	} else {
		dec = flate.NewReader(bytes.NewReader(comp))
	}
	if n, err := io.ReadFull(dec, out); err != nil {
		return nil, corruptf("%s cluster at file offset %d: %d of %d bytes (%v)",
			map[bool]string{true: "zstd", false: "deflate"}[q.zstd != nil], host, n, q.clusterSize, err)
	}
	q.lastComp, q.lastData = entry, out
	return out, nil
}

// Problems are facts about the image an examiner must read: a dirty or
// corrupt flag, snapshots that are not read.
func (q *qcowImage) Problems() []string { return q.problems }

func (q *qcowImage) Size() int64                     { return int64(q.h.size) }
func (q *qcowImage) Format() string                  { return "qcow2" }
func (q *qcowImage) Segments() []string              { return []string{q.path} }
func (q *qcowImage) StoredHashes() map[string]string { return map[string]string{} }

func (q *qcowImage) Close() error {
	if q.zstd != nil {
		q.zstd.Close()
	}
	if q.c == nil {
		return nil
	}
	return q.c.Close()
}
