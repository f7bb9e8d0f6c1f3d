package expand

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

var errEnoughMembers = errors.New("enough members for one fuzz input")

// FuzzSQLite feeds damaged databases to the SQLite blob reader: it may
// refuse, never panic, hang or leave its temporary copy behind. Each input
// stops after 50 members and a second so that the run stays fast.
func FuzzSQLite(f *testing.F) {
	data, _ := sqliteAppDB(f, 3)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(append(append([]byte(nil), data[:100]...), make([]byte, 4096)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n := 0
		sqliteFormat{}.Walk(ctx, bytes.NewReader(data), int64(len(data)), func(m Member) error {
			if n++; n > 50 {
				return errEnoughMembers
			}
			if m.Open == nil {
				return nil
			}
			rc, err := m.Open()
			if err != nil {
				return nil
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err == nil && int64(len(b)) > int64(len(data)) {
				t.Errorf("%s: %d bytes from a %d-byte database", m.Name, len(b), len(data))
			}
			return nil
		})
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("left in the temporary directory: %v", left)
		}
	})
}
