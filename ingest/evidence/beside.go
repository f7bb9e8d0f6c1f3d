package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sync"

	"scrim/ingest/container"
	"scrim/ingest/expand"
)

// ArchiveFolder is the members of one archive found inside evidence (any
// container expand reads), seen from a disk image among them: an E01's
// further segments are its sibling members (disk.E01, disk.E02 … in the
// same folder of the same ZIP, TAR or 7z). The member names are listed
// once, on first use, and only when an image asks; a member is opened in
// place when it is stored as is (a section of the archive, never a copy),
// else copied into the private temporary area and removed when the image
// is closed. It is used during the walk of the archive, by the walking
// worker and by those its members are lent to (c must stay readable while
// the images opened with it are): the listing is made once for all.
type ArchiveFolder struct {
	ctx       context.Context
	format    expand.Format
	c         io.ReaderAt
	size      int64
	container string
	// tmpDir holds the copies; "" makes a private directory per copy,
	// named like ingest's so a killed run's copies are removed by the next.
	tmpDir string
	// bound limits a copy (the top-level file's expansion budget); nil: none.
	bound func(r io.Reader, packed int64) io.Reader

	listing sync.Once
	err     error
	dirs    map[string]map[string]string // folder → base name → member name; read-only once listed
}

// NewArchiveFolder describes the archive c (size bytes, format f, named
// container like expand.WalkNamed names it).
func NewArchiveFolder(ctx context.Context, f expand.Format, c io.ReaderAt, size int64, container, tmpDir string, bound func(io.Reader, int64) io.Reader) *ArchiveFolder {
	return &ArchiveFolder{ctx: ctx, format: f, c: c, size: size, container: container, tmpDir: tmpDir, bound: bound}
}

// Beside is what lies beside member in its folder of the archive.
func (a *ArchiveFolder) Beside(member string) container.Beside {
	if a == nil || a.format == nil {
		return nil
	}
	return &besideMember{a: a, dir: path.Dir(member)}
}

// besideMember is one folder of the archive, seen from a member in it.
// The files an image says it will open (Prefetch) are opened in one walk
// of the archive, so a solid 7z is not decompressed again per segment;
// Close releases those never asked for.
type besideMember struct {
	a       *ArchiveFolder
	dir     string
	want    []string
	fetched bool
	ready   map[string]openedMember
}

type openedMember struct {
	r    io.ReaderAt
	size int64
	c    io.Closer
	err  error
}

func (b *besideMember) Names() []string {
	b.a.list()
	var out []string
	for base := range b.a.dirs[b.dir] {
		out = append(out, base)
	}
	return out
}

// Prefetch names the files Open will be asked for, in order.
func (b *besideMember) Prefetch(names []string) { b.want = names }

func (b *besideMember) Open(name string) (io.ReaderAt, int64, io.Closer, error) {
	b.a.list()
	if _, ok := b.a.dirs[b.dir][name]; !ok {
		if b.a.err != nil {
			return nil, 0, nil, fmt.Errorf("%s: %w", name, b.a.err)
		}
		return nil, 0, nil, fmt.Errorf("%s: %w", name, errMemberNotFound)
	}
	if !b.fetched && slices.Contains(b.want, name) {
		b.fetched = true
		b.ready = b.a.openMany(b.dir, b.want)
	}
	o, ok := b.ready[name]
	if !ok {
		o = b.a.openMany(b.dir, []string{name})[name]
	}
	delete(b.ready, name)
	return o.r, o.size, o.c, o.err
}

// Close releases the files opened ahead and never asked for.
func (b *besideMember) Close() error {
	for _, o := range b.ready {
		if o.c != nil {
			o.c.Close()
		}
	}
	b.ready = nil
	return nil
}

// list reads the member names once. A damaged archive lists what it
// could read before the damage.
func (a *ArchiveFolder) list() { a.listing.Do(a.listNow) }

func (a *ArchiveFolder) listNow() {
	a.dirs = map[string]map[string]string{}
	err := expand.WalkNamed(a.ctx, a.format, a.c, a.size, a.container, func(m expand.Member) error {
		d := path.Dir(m.Name)
		if a.dirs[d] == nil {
			a.dirs[d] = map[string]string{}
		}
		a.dirs[d][path.Base(m.Name)] = m.Name
		return nil
	})
	if err != nil {
		a.err = err
	}
}

// openMany opens the members of folder dir with the given base names in
// one walk of the archive: in place when stored as is, else a temporary
// copy that the returned closer removes. A name not found, or not read,
// carries its error.
func (a *ArchiveFolder) openMany(dir string, bases []string) map[string]openedMember {
	want := map[string]string{} // member name → base name
	for _, base := range bases {
		if full, ok := a.dirs[dir][base]; ok {
			want[full] = base
		}
	}
	out := map[string]openedMember{}
	werr := expand.WalkNamed(a.ctx, a.format, a.c, a.size, a.container, func(m expand.Member) error {
		base, ok := want[m.Name]
		if !ok {
			return nil
		}
		delete(want, m.Name)
		out[base] = a.openMember(m)
		if len(want) == 0 {
			return ErrDone
		}
		return nil
	})
	for full, base := range want {
		err := errMemberNotFound
		if werr != nil && !errors.Is(werr, ErrDone) {
			err = werr
		}
		out[base] = openedMember{err: fmt.Errorf("%s inside %s: %w", full, a.container, err)}
	}
	return out
}

// openMember opens one member during the walk.
func (a *ArchiveFolder) openMember(m expand.Member) openedMember {
	fail := func(err error) openedMember {
		return openedMember{err: fmt.Errorf("%s inside %s: %w", m.Name, a.container, err)}
	}
	if m.Err != nil {
		return fail(m.Err)
	}
	if m.Offset > 0 && m.Size >= 0 && m.Packed == m.Size && m.Offset+m.Size <= a.size {
		return openedMember{r: io.NewSectionReader(a.c, m.Offset, m.Size), size: m.Size}
	}
	rc, err := m.Open()
	if err != nil {
		return fail(err)
	}
	defer rc.Close()
	var in io.Reader = rc
	if a.bound != nil {
		in = a.bound(rc, m.Packed)
	}
	r, size, closer, err := a.copy(in)
	if err != nil {
		return fail(err)
	}
	return openedMember{r: r, size: size, c: closer}
}

// open opens the member called name (see openMany).
func (a *ArchiveFolder) open(name string) (io.ReaderAt, int64, io.Closer, error) {
	a.list()
	dir, base := path.Dir(name), path.Base(name)
	if a.dirs[dir][base] != name {
		return nil, 0, nil, fmt.Errorf("%s inside %s: %w", name, a.container, errMemberNotFound)
	}
	o := a.openMany(dir, []string{base})[base]
	return o.r, o.size, o.c, o.err
}

// tempPrefix is ingest's private temporary area's prefix: a directory
// named so and carrying this process's ID is removed by the next run
// when the process is gone.
const tempPrefix = "scrim-video-"

// copy writes in to a temporary file, read back in place.
func (a *ArchiveFolder) copy(in io.Reader) (io.ReaderAt, int64, io.Closer, error) {
	dir, own := a.tmpDir, ""
	if dir == "" {
		d, err := os.MkdirTemp("", fmt.Sprintf("%s%d-segment-", tempPrefix, os.Getpid()))
		if err != nil {
			return nil, 0, nil, fmt.Errorf("temporary copy: %w", err)
		}
		dir, own = d, d
	}
	f, err := os.CreateTemp(dir, "segment-*")
	if err != nil {
		if own != "" {
			os.RemoveAll(own)
		}
		return nil, 0, nil, fmt.Errorf("temporary copy: %w", err)
	}
	tc := &tempCopy{f: f, own: own}
	n, err := io.Copy(f, ctxCopyReader{a.ctx, in})
	if err != nil {
		tc.Close()
		return nil, 0, nil, fmt.Errorf("temporary copy: %w", err)
	}
	return f, n, tc, nil
}

// tempCopy removes its file (and its own directory) when closed.
type tempCopy struct {
	f   *os.File
	own string
}

func (t *tempCopy) Close() error {
	err := t.f.Close()
	os.Remove(t.f.Name())
	if t.own != "" {
		os.RemoveAll(t.own)
	}
	return err
}

// ctxCopyReader stops a copy when the run is cancelled.
type ctxCopyReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxCopyReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
