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
// as ingest did, and returns the innermost member's content. A step into a
// disk image found inside evidence (a NestedMember name) opens the image
// on the bytes at hand and reads the one file named, in place; host is the
// top-level file's path on the examiner's machine ("" when it has none),
// where an E01's further segments are found. release closes the images
// opened on the way, once the content is used.
func descend(ctx context.Context, c io.ReaderAt, size int64, top, host, chain string) (_ io.ReaderAt, _ int64, release func(), err error) {
	container := path.Base(top)
	var opened []Source
	release = func() {
		for _, s := range opened {
			s.Close()
		}
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	for _, name := range strings.Split(chain, ChainSeparator) {
		if np, ok := parseNestedMember(name); ok {
			src, err := OpenNested(c, size, container, host, container, true)
			if err != nil {
				return nil, 0, nil, fmt.Errorf("%s: %w", container, err)
			}
			if src != nil {
				opened = append(opened, src)
				r, n, err := readNested(ctx, src, name)
				if err != nil {
					return nil, 0, nil, err
				}
				c, size, container, host = r, n, path.Base(np.path), ""
				continue
			}
		}
		held, err := member(ctx, c, size, container, name)
		if err != nil {
			return nil, 0, nil, err
		}
		c, size, container, host = bytesAt(held), int64(len(held)), name, ""
	}
	return c, size, release, nil
}

// ContainerName is what a member's own members are named after (see
// expand.WalkNamed): its name, or for a file of a disk image found inside
// evidence its file name.
func ContainerName(member string) string {
	if np, ok := parseNestedMember(member); ok {
		return path.Base(np.path)
	}
	return member
}

// member reads the member called name of the container c, as ingest named it.
func member(ctx context.Context, c io.ReaderAt, size int64, container, name string) ([]byte, error) {
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
	return found, nil
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
