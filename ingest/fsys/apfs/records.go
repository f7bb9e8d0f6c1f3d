package apfs

import (
	"fmt"
	"strings"
	"time"
)

// Filesystem-tree records: every key starts with obj_id_and_type, the
// object id in the low 60 bits and the record type in the high 4.
const (
	objIDMask    = 1<<60 - 1
	objTypeShift = 60

	recInode      = 3
	recXattr      = 4
	recFileExtent = 8
	recDirRec     = 9

	rootDirID = 2 // ROOT_DIR_INO_NUM

	dtReg = 8 // DT_REG in a directory record's flags
	dtDir = 4

	ufCompressed = 0x20 // bsd_flags UF_COMPRESSED
	modeMask     = 0xf000
	modeRegular  = 0x8000

	xattrDataStream = 0x1
	xattrEmbedded   = 0x2

	xfieldName    = 4 // INO_EXT_TYPE_NAME
	xfieldDstream = 8 // INO_EXT_TYPE_DSTREAM
)

// inode is what a file needs of a j_inode_val_t.
type inode struct {
	parent, private            uint64
	btime, mtime, ctime, atime time.Time
	bsdFlags                   uint32
	mode                       uint16
	name                       string // from the name extended field
	size                       int64  // from the dstream extended field
}

func nsTime(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns)).UTC()
}

func parseInode(v []byte) (inode, error) {
	if len(v) < 92 {
		return inode{}, fmt.Errorf("inode record of %d bytes, shorter than 92", len(v))
	}
	in := inode{parent: le.Uint64(v), private: le.Uint64(v[8:]),
		btime: nsTime(le.Uint64(v[16:])), mtime: nsTime(le.Uint64(v[24:])),
		ctime: nsTime(le.Uint64(v[32:])), atime: nsTime(le.Uint64(v[40:])),
		bsdFlags: le.Uint32(v[68:]), mode: le.Uint16(v[80:])}
	if n, ok := xfield(v[92:], xfieldName); ok {
		in.name = cleanName(strings.TrimRight(string(n), "\x00"))
	}
	if d, ok := xfield(v[92:], xfieldDstream); ok && len(d) >= 8 {
		in.size = int64(le.Uint64(d))
		if in.size < 0 {
			return in, fmt.Errorf("data stream of %d bytes", in.size)
		}
	}
	return in, nil
}

// xfield finds extended field typ in an xf_blob_t: a count and used
// size, the fields' (type, flags, size) headers, then their data, each
// padded to 8 bytes.
func xfield(b []byte, typ byte) ([]byte, bool) {
	if len(b) < 4 {
		return nil, false
	}
	n := int(le.Uint16(b))
	data := 4 + 4*n
	if data > len(b) {
		return nil, false
	}
	for i := range n {
		h := b[4+4*i:]
		size := int(le.Uint16(h[2:]))
		if data+size > len(b) {
			return nil, false
		}
		if h[0] == typ {
			return b[data : data+size], true
		}
		data += (size + 7) &^ 7
	}
	return nil, false
}

// drec is a directory entry.
type drec struct {
	name string
	id   uint64
	typ  uint16
}

// parseDrec reads a directory record's name (hashed keys carry a length
// and hash word, plain ones a length) and its file id and type.
func parseDrec(key, val []byte, hashed bool) (drec, error) {
	var name []byte
	if hashed {
		if len(key) < 12 {
			return drec{}, fmt.Errorf("directory record key of %d bytes", len(key))
		}
		n := int(le.Uint32(key[8:]) & 0x3ff)
		if 12+n > len(key) {
			return drec{}, fmt.Errorf("directory record name of %d bytes overruns its key", n)
		}
		name = key[12 : 12+n]
	} else {
		if len(key) < 10 {
			return drec{}, fmt.Errorf("directory record key of %d bytes", len(key))
		}
		n := int(le.Uint16(key[8:]))
		if 10+n > len(key) {
			return drec{}, fmt.Errorf("directory record name of %d bytes overruns its key", n)
		}
		name = key[10 : 10+n]
	}
	if len(val) < 18 {
		return drec{}, fmt.Errorf("directory record value of %d bytes", len(val))
	}
	return drec{name: cleanName(strings.TrimRight(string(name), "\x00")), id: le.Uint64(val), typ: le.Uint16(val[16:]) & 0xf}, nil
}

// cleanName shows control characters as '^', as The Sleuth Kit prints
// them, and '/' as ':' so a name never splits a path.
func cleanName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return '^'
		case r == '/':
			return ':'
		}
		return r
	}, s)
}

// fileExtent is a j_file_extent record: a run of the stream at logical
// byte offset, physical block 0 for a hole.
type fileExtent struct {
	logical, length int64
	block           uint64
}

func parseFileExtent(key, val []byte) (fileExtent, error) {
	if len(key) < 16 || len(val) < 16 {
		return fileExtent{}, fmt.Errorf("file extent record of %d+%d bytes", len(key), len(val))
	}
	e := fileExtent{logical: int64(le.Uint64(key[8:])), length: int64(le.Uint64(val) & (1<<56 - 1)), block: le.Uint64(val[8:])}
	if e.logical < 0 {
		return e, fmt.Errorf("file extent at logical offset %d", e.logical)
	}
	return e, nil
}

// xattr is an extended attribute: its data inline, or the id and size of
// the data stream holding it.
type xattr struct {
	data   []byte
	stream uint64
	size   int64
}

func parseXattr(key, val []byte) (string, xattr, error) {
	if len(key) < 10 || len(val) < 4 {
		return "", xattr{}, fmt.Errorf("extended attribute record of %d+%d bytes", len(key), len(val))
	}
	n := int(le.Uint16(key[8:]))
	if 10+n > len(key) {
		return "", xattr{}, fmt.Errorf("extended attribute name of %d bytes overruns its key", n)
	}
	name := strings.TrimRight(string(key[10:10+n]), "\x00")
	flags, dlen := le.Uint16(val), int(le.Uint16(val[2:]))
	if 4+dlen > len(val) {
		return name, xattr{}, fmt.Errorf("extended attribute %s: %d bytes of data overrun the record", name, dlen)
	}
	data := val[4 : 4+dlen]
	switch {
	case flags&xattrEmbedded != 0:
		return name, xattr{data: append([]byte(nil), data...)}, nil
	case flags&xattrDataStream != 0 && len(data) >= 16:
		x := xattr{stream: le.Uint64(data), size: int64(le.Uint64(data[8:]))}
		if x.size < 0 {
			return name, x, fmt.Errorf("extended attribute %s: stream of %d bytes", name, x.size)
		}
		return name, x, nil
	}
	return name, xattr{}, fmt.Errorf("extended attribute %s: flags %#x name neither inline data nor a stream", name, flags)
}
