package ext

import (
	"context"
	"encoding/binary"
	"fmt"

	"scrim/ingest/fsys"
)

// maxDepth bounds directory nesting; seen breaks directory loops.
const maxDepth = 256

type walker struct {
	v    *FS
	ctx  context.Context
	fn   func(fsys.File) error
	seen map[uint32]bool
}

// dirent is one directory entry.
type dirent struct {
	ino  uint32
	name string
}

// entries reads a directory's blocks and parses the linear entry chain;
// htree index blocks parse as one empty entry, so no htree code is needed.
func (w *walker) entries(in *inode) ([]dirent, error) {
	runs, err := w.v.blockMap(in)
	if err != nil {
		return nil, err
	}
	size := in.GetSize()
	if size > w.v.size || size < 0 {
		return nil, fmt.Errorf("directory size %d exceeds the volume", size)
	}
	c := &content{r: w.v.r, runs: runs, blockSize: w.v.blockSize, size: size}
	var out []dirent
	buf := make([]byte, w.v.blockSize)
	for off := int64(0); off < size; off += w.v.blockSize {
		if _, err := c.ReadAt(buf, off); err != nil && int64(len(buf)) <= size-off {
			return out, err
		}
		for p := 0; p+8 <= len(buf); {
			ino := binary.LittleEndian.Uint32(buf[p:])
			recLen := int(binary.LittleEndian.Uint16(buf[p+4:]))
			nameLen := int(buf[p+6])
			if recLen < 8 || p+recLen > len(buf) || 8+nameLen > recLen {
				break
			}
			if ino != 0 && nameLen > 0 {
				out = append(out, dirent{ino, string(buf[p+8 : p+8+nameLen])})
			}
			p += recLen
		}
	}
	return out, nil
}

// dir walks directory num found at path.
func (w *walker) dir(num uint32, path string) error {
	if w.seen[num] || len(path) > 64<<10 {
		return nil
	}
	w.seen[num] = true
	in, err := w.v.readInode(num)
	if err != nil {
		return w.fn(fsys.File{Path: path + "/", Inode: uint64(num), Err: fmt.Errorf("ext: directory %s/: %w", path, err)})
	}
	ents, err := w.entries(in)
	if err != nil {
		err = w.fn(fsys.File{Path: path + "/", Inode: uint64(num), Err: fmt.Errorf("ext: directory %s/ (inode %d): %w", path, num, err)})
		if err != nil {
			return err
		}
	}
	for _, e := range ents {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if e.name == "." || e.name == ".." {
			continue
		}
		p := path + "/" + e.name
		child, err := w.v.readInode(e.ino)
		if err != nil {
			if err := w.fn(fsys.File{Path: p, Inode: uint64(e.ino), Err: fmt.Errorf("ext: %s: %w", p, err)}); err != nil {
				return err
			}
			continue
		}
		switch child.Mode & modeTypeMask {
		case modeDirectory:
			if err := w.dir(e.ino, p); err != nil {
				return err
			}
		case modeRegular:
			if err := w.fn(w.v.file(child, p)); err != nil {
				return err
			}
		}
	}
	return nil
}

// file builds the fsys.File of a regular inode.
func (v *FS) file(in *inode, p string) fsys.File {
	f := fsys.File{Path: p, Size: in.GetSize(), Inode: uint64(in.num)}
	f.Mtime, f.Atime, f.Ctime, f.Btime = in.times()
	if f.Size < 0 || f.Size > v.size {
		f.Err = fmt.Errorf("ext: %s (inode %d): size %d exceeds the volume", p, in.num, f.Size)
		f.Size = min(max(f.Size, 0), v.size)
		return f
	}
	runs, err := v.blockMap(in)
	if err != nil {
		f.Err = fmt.Errorf("ext: %s (inode %d): %w", p, in.num, err)
		return f
	}
	f.Content = &content{r: v.r, runs: runs, blockSize: v.blockSize, size: f.Size}
	return f
}
