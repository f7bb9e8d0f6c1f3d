package ext

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/masahiro331/go-ext4-filesystem/ext4"
)

const (
	rootInode     = 2
	inlineDataFl  = 0x10000000
	extentsFl     = 0x80000
	modeTypeMask  = 0xf000
	modeRegular   = 0x8000
	modeDirectory = 0x4000
)

// inode is one parsed on-disk inode.
type inode struct {
	ext4.Inode
	num uint32
}

// readInode reads inode num from its group's table into the library's struct.
func (v *FS) readInode(num uint32) (*inode, error) {
	if num == 0 || num > v.sb.InodeCount {
		return nil, fmt.Errorf("inode %d out of range", num)
	}
	g := int64(num-1) / int64(v.sb.InodePerGroup)
	if g >= int64(len(v.groups)) {
		return nil, fmt.Errorf("inode %d: group %d out of range", num, g)
	}
	idx := int64(num-1) % int64(v.sb.InodePerGroup)
	off := v.groups[g].inodeTable*v.blockSize + idx*int64(v.sb.InodeSize)
	buf := make([]byte, binary.Size(ext4.Inode{}))
	n := min(len(buf), int(v.sb.InodeSize))
	if _, err := v.r.ReadAt(buf[:n], off); err != nil {
		return nil, fmt.Errorf("inode %d at %d: %w", num, off, err)
	}
	in := &inode{num: num}
	if err := binary.Read(bytes.NewReader(buf), binary.LittleEndian, &in.Inode); err != nil {
		return nil, fmt.Errorf("inode %d: %w", num, err)
	}
	if int(v.sb.InodeSize) <= 128 {
		in.ExtraIsize = 0
	}
	return in, nil
}

// extraTime decodes a timestamp with its _extra word (epoch bits, nanoseconds).
func extraTime(sec uint32, extra uint32, has bool) time.Time {
	s := int64(int32(sec))
	if !has {
		return time.Unix(s, 0).UTC()
	}
	s += int64(extra&3) << 32
	return time.Unix(s, int64(extra>>2)).UTC()
}

// times returns mtime, atime, ctime, crtime (zero when the inode has no room).
func (in *inode) times() (m, a, c, b time.Time) {
	has := in.ExtraIsize >= 16
	m = extraTime(in.Mtime, in.MtimeExtra, has)
	a = extraTime(in.Atime, in.AtimeExtra, has)
	c = extraTime(in.Ctime, in.CtimeExtra, has)
	if in.ExtraIsize >= 24 {
		b = extraTime(in.Crtime, in.CrtimeExtra, true)
	}
	return
}
