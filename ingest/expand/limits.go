package expand

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// Limits bound what one top-level file may expand to, so that hostile
// containers (zip bombs, archives that hold themselves) cost little.
type Limits struct {
	MaxDepth int   // nesting levels below the top-level file (0: 8)
	MaxBytes int64 // expanded bytes per top-level file (0: 16 GiB)
	// MaxMembers is the number of members per top-level file (0: 1,000,000).
	MaxMembers int64
	// MaxRatio is how many times its stored size a member may expand to
	// once past RatioFloor bytes (0: 1000, the most DEFLATE reaches
	// naturally is about 1032 on runs of one byte; nested bombs are caught
	// by depth and MaxBytes).
	MaxRatio   int64
	RatioFloor int64 // (0: 16 MiB)
}

// WithDefaults fills the zero fields.
func (l Limits) WithDefaults() Limits {
	if l.MaxDepth == 0 {
		l.MaxDepth = 8
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = 16 << 30
	}
	if l.MaxMembers == 0 {
		l.MaxMembers = 1_000_000
	}
	if l.MaxRatio == 0 {
		l.MaxRatio = 1000
	}
	if l.RatioFloor == 0 {
		l.RatioFloor = 16 << 20
	}
	return l
}

// LimitError says which limit stopped an expansion. Its Name is the named
// warning recorded on the evidence.
type LimitError struct {
	Name   string // "depth", "bytes", "members", "ratio"
	Detail string
}

func (e *LimitError) Error() string { return fmt.Sprintf("expansion %s limit: %s", e.Name, e.Detail) }

// IsLimit tells whether err is a limit hit, and which.
func IsLimit(err error) (*LimitError, bool) {
	var le *LimitError
	ok := errors.As(err, &le)
	return le, ok
}

// Budget is what is left to one top-level file. Members of one file are
// expanded by one worker, but the counters are atomic so a budget may be
// shared.
type Budget struct {
	lim     Limits
	bytes   atomic.Int64
	members atomic.Int64
}

// NewBudget starts a budget for one top-level file.
func NewBudget(l Limits) *Budget { return &Budget{lim: l.WithDefaults()} }

// Limits returns the limits with defaults filled in.
func (b *Budget) Limits() Limits { return b.lim }

// Member counts one more member; past the limit it returns a LimitError.
func (b *Budget) Member() error {
	if n := b.members.Add(1); n > b.lim.MaxMembers {
		return &LimitError{Name: "members", Detail: fmt.Sprintf("more than %d members in one file", b.lim.MaxMembers)}
	}
	return nil
}

// Reader bounds one member's stream by the bytes left and by the ratio to
// its stored size (packed < 0: unknown, no ratio check).
func (b *Budget) Reader(r io.Reader, packed int64) io.Reader {
	return &boundedReader{r: r, b: b, packed: packed}
}

type boundedReader struct {
	r      io.Reader
	b      *Budget
	packed int64
	read   int64
	err    error
}

func (br *boundedReader) Read(p []byte) (int, error) {
	if br.err != nil {
		return 0, br.err
	}
	n, err := br.r.Read(p)
	br.read += int64(n)
	if total := br.b.bytes.Add(int64(n)); total > br.b.lim.MaxBytes {
		br.err = &LimitError{Name: "bytes", Detail: fmt.Sprintf("more than %d bytes expanded from one file", br.b.lim.MaxBytes)}
		return n, br.err
	}
	if br.packed >= 0 && br.read > br.b.lim.RatioFloor && br.read > br.b.lim.MaxRatio*max(br.packed, 1) {
		br.err = &LimitError{Name: "ratio", Detail: fmt.Sprintf("member of %d stored bytes expands past %d bytes (more than %d times)", br.packed, br.read, br.b.lim.MaxRatio)}
		return n, br.err
	}
	return n, err
}
