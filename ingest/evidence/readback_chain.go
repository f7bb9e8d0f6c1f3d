package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"scrim/ingest/expand"
)

// ChainSeparator joins the member names of Locator.Chain.
const ChainSeparator = "\x00"

// maxChainRead bounds a member read back through its containers: it is
// held in memory, like the full view holds a picture.
const maxChainRead = 1 << 30

// errMemberNotFound says a chain of names led nowhere (the container changed).
var errMemberNotFound = errors.New("member not found")

// descend follows chain (member names joined by ChainSeparator, outermost
// first) from the content of a top-level file named top, naming members
// as ingest did, and returns the innermost member's bytes.
func descend(ctx context.Context, c io.ReaderAt, size int64, top, chain string) ([]byte, error) {
	container := path.Base(top)
	var held []byte
	for _, name := range strings.Split(chain, ChainSeparator) {
		head := make([]byte, expand.HeadSize)
		n, _ := c.ReadAt(head, 0)
		f := expand.Detect(head[:min(int64(n), size)])
		var found []byte
		err := expand.WalkNamed(ctx, f, c, size, container, func(m expand.Member) error {
			if m.Name != name {
				return nil
			}
			if m.Err != nil {
				return fmt.Errorf("%s: %w", name, m.Err)
			}
			rc, err := m.Open()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			defer rc.Close()
			b, err := io.ReadAll(io.LimitReader(rc, maxChainRead+1))
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if len(b) > maxChainRead {
				return fmt.Errorf("%s: over %d bytes, not read back", name, maxChainRead)
			}
			found = b
			return ErrDone
		})
		if err != nil && !errors.Is(err, ErrDone) {
			return nil, err
		}
		if found == nil {
			return nil, fmt.Errorf("%s: %w", name, errMemberNotFound)
		}
		held, container = found, name
		c, size = bytesAt(held), int64(len(held))
	}
	return held, nil
}

type bytesAt []byte

func (b bytesAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (bytesAt) Close() error { return nil }
