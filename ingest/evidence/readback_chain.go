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
	var opened []io.Closer
	release = func() {
		for i := len(opened) - 1; i >= 0; i-- {
			opened[i].Close()
		}
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	names := strings.Split(chain, ChainSeparator)
	// folder is the archive the current member came from, for a disk
	// image to find the members beside it (an E01's further segments).
	var folder *ArchiveFolder
	var inFolder string
	for i, name := range names {
		if np, ok := parseNestedMember(name); ok {
			src, err := OpenNestedBeside(c, size, container, host, container, true, folder.Beside(inFolder))
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
				folder = nil
				continue
			}
		}
		if i+1 < len(names) && isNestedMember(names[i+1]) {
			// A disk image inside an archive: read in place when stored,
			// else from a temporary copy, never held in memory.
			if f := detect(c, size); f != nil {
				a := NewArchiveFolder(ctx, f, c, size, container, "", nil)
				r, n, closer, err := a.open(name)
				if err != nil {
					return nil, 0, nil, err
				}
				if closer != nil {
					opened = append(opened, closer)
				}
				c, size, container, host = r, n, name, ""
				folder, inFolder = a, name
				continue
			}
		}
		held, err := member(ctx, c, size, container, name)
		if err != nil {
			return nil, 0, nil, err
		}
		c, size, container, host = bytesAt(held), int64(len(held)), name, ""
		folder = nil
	}
	return c, size, release, nil
}

func isNestedMember(name string) bool {
	_, ok := parseNestedMember(name)
	return ok
}

// detect is the container format of c by its first bytes, or nil.
func detect(c io.ReaderAt, size int64) expand.Format {
	head := make([]byte, expand.HeadSize)
	n, _ := c.ReadAt(head, 0)
	return expand.Detect(head[:min(int64(n), size)])
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
	f := detect(c, size)
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
