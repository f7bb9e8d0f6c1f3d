package iso

import (
	"errors"
	"fmt"
	"io"
)

// content reads a file's extents back to back.
type content struct {
	r      io.ReaderAt
	pieces []piece
	size   int64
}

func (c *content) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("iso9660: negative offset")
	}
	n := 0
	base := int64(0)
	for _, pc := range c.pieces {
		if n == len(p) {
			break
		}
		pos := off + int64(n)
		if pos < base+pc.length {
			chunk := min(int64(len(p)-n), base+pc.length-pos)
			m, err := c.r.ReadAt(p[n:n+int(chunk)], pc.off+pos-base)
			n += m
			if int64(m) < chunk {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return n, fmt.Errorf("iso9660: read at %d: %w", pos, err)
			}
		}
		base += pc.length
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
