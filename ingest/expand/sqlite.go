package expand

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"scrim/ingest/filetype"

	_ "modernc.org/sqlite" // pure Go: cmd/scrim stays cgo-free
)

// MaxSQLiteSize is the largest database sqliteFormat copies out to read.
const MaxSQLiteSize = 1 << 30

// ErrSQLiteTooLarge refuses databases over MaxSQLiteSize.
var ErrSQLiteTooLarge = errors.New("sqlite database larger than 1 GiB: not expanded")

// sqliteFormat finds the pictures stored as BLOBs in SQLite databases
// (phone apps keep thumbnails and attachments there). The SQLite reader
// needs a file, so the database is copied into a private temporary
// directory (never beside the evidence), opened read-only and immutable,
// and removed when the walk ends. Every blob whose leading bytes sniff as
// a picture is a member named TABLE/COLUMN/ROWID.EXT.
type sqliteFormat struct{}

func (sqliteFormat) Name() string        { return "sqlite" }
func (sqliteFormat) Probe(h []byte) bool { return at(h, 0, "SQLite format 3\x00") }

func (sqliteFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) (err error) {
	if size > MaxSQLiteSize {
		return fmt.Errorf("sqlite: %d bytes: %w", size, ErrSQLiteTooLarge)
	}
	// Refuse what is not a database before copying anything.
	head := make([]byte, 100) // the database header
	if n, _ := r.ReadAt(head, 0); n < len(head) || !(sqliteFormat{}).Probe(head) {
		return errors.New("sqlite: no SQLite database header")
	}
	// Named like ingest's video copies ("scrim-video-PID-"), so that the
	// next run removes the copy a killed run left behind.
	dir, err := os.MkdirTemp("", fmt.Sprintf("scrim-video-%d-sqlite-", os.Getpid()))
	if err != nil {
		return fmt.Errorf("sqlite: temporary copy: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "db.sqlite")
	if err := copyOut(path, io.NewSectionReader(r, 0, size)); err != nil {
		return fmt.Errorf("sqlite: temporary copy: %w", err)
	}
	db, err := openReadOnly(path)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	// The reader has been seen to panic on hostile pages; a damaged
	// database is an error, the members handed out before it stay.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: damaged database: internal error: %v", p)
		}
	}()
	w := sqliteWalk{ctx: ctx, db: db, fn: fn, left: size, seen: map[[sha256.Size]byte]bool{}}
	tableErr := w.tables()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if _, ok := IsLimit(tableErr); ok {
		return tableErr
	}
	if err := w.carve(r, size); err != nil {
		return err
	}
	return tableErr
}

// sqliteCarveMax is the largest database also carved, like the hidden
// pictures of other files.
const sqliteCarveMax = 256 << 20

// carve finds the pictures the tables no longer list (deleted rows, free
// pages, a damaged table) by carving the database bytes, as was done before
// SQLite was read as a container. A carved picture identical to a blob
// already handed out is skipped: it is the same stored row.
func (w *sqliteWalk) carve(r io.ReaderAt, size int64) error {
	if size > sqliteCarveMax {
		return nil
	}
	return Hidden(w.ctx, r, size, func(m Member) error {
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(r, m.Offset, m.Size)); err == nil && w.seen[[sha256.Size]byte(h.Sum(nil))] {
			return nil
		}
		return w.fn(m)
	})
}

// hashOnEOF records the SHA-256 of a blob read to its end.
type hashOnEOF struct {
	r    io.Reader
	h    hash.Hash
	seen map[[sha256.Size]byte]bool
}

func (x *hashOnEOF) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	x.h.Write(p[:n])
	if err == io.EOF {
		x.seen[[sha256.Size]byte(x.h.Sum(nil))] = true
	}
	return n, err
}

// copyOut writes the database bytes to path, a file only this process uses.
func copyOut(path string, src io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openReadOnly opens a SQLite file so that nothing is ever written to it or
// beside it (immutable: no journal, no WAL, no lock files).
func openReadOnly(path string) (*sql.DB, error) {
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&immutable=1"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection scans, the other fetches a member's blob meanwhile.
	db.SetMaxOpenConns(2)
	return db, nil
}

type sqliteWalk struct {
	ctx  context.Context
	db   *sql.DB
	fn   func(Member) error
	left int64                      // picture bytes still allowed: a sound database stores each blob once
	seen map[[sha256.Size]byte]bool // blobs read whole, not carved again
}

type sqliteTable struct {
	name    string
	noRowid bool
	virtual bool
	rowid   string // the name that reaches the rowid (a column may be called "rowid")
}

func (w *sqliteWalk) tables() error {
	rows, err := w.db.QueryContext(w.ctx, `SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY rowid`)
	if err != nil {
		return fmt.Errorf("sqlite: damaged schema: %w", err)
	}
	var tables []sqliteTable
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: damaged schema: %w", err)
		}
		up := strings.ToUpper(ddl)
		tables = append(tables, sqliteTable{
			name:    name,
			noRowid: strings.Contains(up, "WITHOUT ROWID"),
			// Virtual tables need modules this reader may lack; their
			// content lives in ordinary shadow tables that are read anyway.
			virtual: strings.HasPrefix(strings.TrimSpace(up), "CREATE VIRTUAL"),
		})
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("sqlite: damaged schema: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: damaged schema: %w", err)
	}
	for _, t := range tables {
		if t.virtual {
			continue
		}
		cols, err := w.columns(t.name)
		if err != nil {
			return err
		}
		t.rowid = rowidName(cols)
		for _, c := range cols {
			if err := w.column(t, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *sqliteWalk) columns(table string) ([]string, error) {
	rows, err := w.db.QueryContext(w.ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, fmt.Errorf("sqlite: table %q: columns: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("sqlite: table %q: columns: %w", table, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: table %q: columns: %w", table, err)
	}
	return cols, nil
}

// column hands out the picture blobs of one column. Every column is
// checked, whatever its declared type: SQLite stores a blob in any column.
// Only the head of each blob is read during the scan; a picture's bytes
// are fetched by rowid when its member is opened.
func (w *sqliteWalk) column(t sqliteTable, col string) error {
	where := fmt.Sprintf("table %q column %q", t.name, col)
	// WITHOUT ROWID tables have no row number to fetch a blob by later,
	// so their blobs are read whole during the scan.
	key, value := t.rowid, fmt.Sprintf("substr(%s, 1, %d)", quoteIdent(col), filetype.HeadSize)
	if t.noRowid {
		key, value = "NULL", quoteIdent(col)
	}
	q := fmt.Sprintf(`SELECT %s, length(%s), %s FROM %s WHERE typeof(%s) = 'blob'`,
		key, quoteIdent(col), value, quoteIdent(t.name), quoteIdent(col))
	rows, err := w.db.QueryContext(w.ctx, q)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", where, err)
	}
	defer rows.Close()
	for n := int64(1); rows.Next(); n++ {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		var rowid sql.NullInt64
		var length int64
		var head []byte
		if err := rows.Scan(&rowid, &length, &head); err != nil {
			return fmt.Errorf("sqlite: %s: row %d: %w", where, n, err)
		}
		ft := filetype.Sniff(head[:min(len(head), filetype.HeadSize)])
		if ft.Kind != filetype.Picture {
			continue
		}
		if length > w.left {
			return fmt.Errorf("sqlite: %s: pictures add up to more than the database's %d bytes: damaged database", where, w.left)
		}
		w.left -= length
		m := Member{Size: length, Packed: length}
		if rowid.Valid {
			m.Name = cleanName(fmt.Sprintf("%s/%s/%d.%s", t.name, col, rowid.Int64, ft.Name))
			id := rowid.Int64
			m.Open = func() (io.ReadCloser, error) { return w.blob(t.name, t.rowid, col, id, length) }
		} else {
			m.Name = cleanName(fmt.Sprintf("%s/%s/row-%d.%s", t.name, col, n, ft.Name))
			b := head
			w.seen[sha256.Sum256(b)] = true
			m.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		}
		if err := w.fn(m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", where, err)
	}
	return nil
}

// blobChunk is how much of a blob one query fetches: a large picture
// streams in pieces instead of sitting whole in memory.
const blobChunk = 4 << 20

// blob streams one picture's bytes by rowid.
func (w *sqliteWalk) blob(table, key, col string, rowid, length int64) (io.ReadCloser, error) {
	br := &blobReader{w: w, table: table, key: key, col: col, rowid: rowid, length: length}
	return io.NopCloser(&hashOnEOF{r: br, h: sha256.New(), seen: w.seen}), nil
}

// blobReader reads a blob chunk by chunk with substr, which SQLite counts
// in bytes for blobs.
type blobReader struct {
	w          *sqliteWalk
	table, col string
	key        string // the table's name for its rowid
	rowid      int64
	length     int64
	off        int64 // bytes handed out
	buf        []byte
}

func (b *blobReader) Read(p []byte) (int, error) {
	if len(b.buf) == 0 {
		if b.off >= b.length {
			return 0, io.EOF
		}
		want := min(int64(blobChunk), b.length-b.off)
		q := fmt.Sprintf(`SELECT substr(%s, ?, ?) FROM %s WHERE %s = ? AND typeof(%s) = 'blob'`,
			quoteIdent(b.col), quoteIdent(b.table), b.key, quoteIdent(b.col))
		var chunk []byte
		if err := b.w.db.QueryRowContext(b.w.ctx, q, b.off+1, want, b.rowid).Scan(&chunk); err != nil {
			return 0, fmt.Errorf("sqlite: table %q column %q row %d at byte %d: %w", b.table, b.col, b.rowid, b.off, err)
		}
		if int64(len(chunk)) != want {
			return 0, fmt.Errorf("sqlite: table %q column %q row %d at byte %d: %d bytes read, %d wanted: damaged database",
				b.table, b.col, b.rowid, b.off, len(chunk), want)
		}
		b.buf = chunk
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	b.off += int64(n)
	return n, nil
}

// rowidName is the first of SQLite's names for the rowid that no declared
// column shadows.
func rowidName(cols []string) string {
	for _, n := range []string{"rowid", "_rowid_", "oid"} {
		if !slices.ContainsFunc(cols, func(c string) bool { return strings.EqualFold(c, n) }) {
			return n
		}
	}
	return "rowid"
}

// quoteIdent quotes a table or column name taken from the database itself.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
