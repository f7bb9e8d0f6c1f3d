package expand

import (
	"context"
	"fmt"
	"io"
	"strconv"
)

// WalkNamed walks the members of r as format f, or the pictures hidden in
// it when f is nil, under the names their places are recorded with: a
// compressed stream's content is named after its container (see
// StreamName), and a name met again in one container gets " (2)", " (3)"…
// Ingest and read-back both name members here, so a recorded chain of
// names leads back to the same bytes.
func WalkNamed(ctx context.Context, f Format, r io.ReaderAt, size int64, container string, fn func(Member) error) (err error) {
	defer func() {
		// A reader that trusts a damaged header must cost this file its
		// expansion, not the run.
		if p := recover(); p != nil {
			err = fmt.Errorf("damaged container: reader failed: %v", p)
		}
	}()
	seen := map[string]int{}
	each := func(m Member) error {
		if m.Name == "" {
			m.Name = StreamName(container)
		}
		if n := seen[m.Name]; n > 0 {
			seen[m.Name] = n + 1
			m.Name += " (" + strconv.Itoa(n+1) + ")"
		} else {
			seen[m.Name] = 1
		}
		return fn(m)
	}
	if f == nil {
		return Hidden(ctx, r, size, each)
	}
	return f.Walk(ctx, r, size, each)
}
