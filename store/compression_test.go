package store

import (
	"fmt"
	"path/filepath"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// A case whose tables were written Snappy-compressed (every case before
// tables went uncompressed) still reads: each table's compression is in
// the MANIFEST, not taken from the options it is opened with.
func TestOpenCaseWithCompressedTables(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	st, err := Open(dir, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithCompression(options.Snappy).WithValueThreshold(100))
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	wb := db.NewWriteBatch()
	for i := range n {
		if err := wb.Set(fmt.Appendf(nil, "meta/old%06d", i), fmt.Appendf(nil, "value %d %0100d", i, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // writes the memtable as a Snappy table
		t.Fatal(err)
	}
	st, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, i := range []int{0, n / 2, n - 1} {
		v, err := st.Meta(fmt.Sprintf("old%06d", i))
		if err != nil || v != fmt.Sprintf("value %d %0100d", i, i) {
			t.Fatalf("old%06d: %q, %v", i, v, err)
		}
	}
}
