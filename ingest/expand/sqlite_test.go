package expand

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sqlitePicture draws a small gradient, as JPEG or PNG.
func sqlitePicture(t testing.TB, asPNG bool, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			img.Set(x, y, color.RGBA{uint8(x*5 + seed), uint8(y * 7), uint8(seed * 31), 255})
		}
	}
	var b bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeSQLite creates a SQLite file at path by running stmts with args.
func writeSQLite(t testing.TB, path string, stmts ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < len(stmts); {
		q := stmts[i].(string)
		i++
		var args []any
		for i < len(stmts) {
			if _, ok := stmts[i].(string); ok {
				break
			}
			args = append(args, stmts[i].([]any)...)
			i++
		}
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// sqliteAppDB builds a database like a phone app's thumbnail cache: pictures
// in a BLOB column, a text column, a NULL blob, a non-picture blob, a
// picture in an untyped column and one in a WITHOUT ROWID table.
func sqliteAppDB(t testing.TB, extraRows int) ([]byte, map[string][]byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.sqlite")
	jpg, pngb, jpg2, pngb2 := sqlitePicture(t, false, 1), sqlitePicture(t, true, 2), sqlitePicture(t, false, 3), sqlitePicture(t, true, 4)
	stmts := []any{
		`CREATE TABLE thumbs (id INTEGER PRIMARY KEY, caption TEXT, data BLOB, extra)`,
		`INSERT INTO thumbs (id, caption, data, extra) VALUES (1, 'holiday', ?, NULL)`, []any{jpg},
		`INSERT INTO thumbs (id, caption, data, extra) VALUES (2, 'beach', ?, ?)`, []any{pngb, jpg2},
		`INSERT INTO thumbs (id, caption, data) VALUES (3, 'none', NULL)`,
		`INSERT INTO thumbs (id, caption, data) VALUES (4, 'zip', ?)`, []any{[]byte("PK\x03\x04 not a picture at all")},
		`INSERT INTO thumbs (id, caption, data) VALUES (5, ?, 'text in a blob column')`, []any{string(jpg[:20])},
		`CREATE TABLE "odd ""name""" (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID`,
		`CREATE TABLE shadow (rowid TEXT, pic BLOB)`, // a column named rowid hides the rowid
		`INSERT INTO shadow VALUES ('x', ?)`, []any{jpg2},
		`INSERT INTO "odd ""name""" VALUES ('a', ?)`, []any{pngb2},
	}
	if extraRows > 0 {
		stmts = append(stmts, `CREATE TABLE filler (note TEXT, data BLOB)`)
	}
	for i := 0; i < extraRows; i++ {
		stmts = append(stmts, `INSERT INTO filler VALUES ('filler', randomblob(900))`)
	}
	writeSQLite(t, path, stmts...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b, map[string][]byte{
		"thumbs/data/1.jpeg":     jpg,
		"thumbs/data/2.png":      pngb,
		"thumbs/extra/2.jpeg":    jpg2,
		`odd "name"/v/row-1.png`: pngb2,
		"shadow/pic/1.jpeg":      jpg2,
	}
}

// walkSQLite collects the members' bytes by name.
func walkSQLite(t *testing.T, data []byte) (map[string][]byte, error) {
	t.Helper()
	got := map[string][]byte{}
	err := sqliteFormat{}.Walk(context.Background(), bytes.NewReader(data), int64(len(data)), func(m Member) error {
		if m.Err != nil {
			t.Errorf("%s: %v", m.Name, m.Err)
			return nil
		}
		rc, err := m.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		if int64(len(b)) != m.Size {
			t.Errorf("%s: %d bytes, Size %d", m.Name, len(b), m.Size)
		}
		got[m.Name] = b
		return nil
	})
	return got, err
}

// sqlitePrivateTemp points os.TempDir at an empty directory and checks, at the
// end of the test, that nothing was left in it.
func sqlitePrivateTemp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Cleanup(func() {
		left, _ := os.ReadDir(tmp)
		for _, e := range left {
			t.Errorf("left in the temporary directory: %s", e.Name())
		}
	})
}

func TestSQLitePictureBlobs(t *testing.T) {
	data, want := sqliteAppDB(t, 0)
	sqlitePrivateTemp(t)
	if f := Detect(data[:HeadSize]); f == nil || f.Name() != "sqlite" {
		t.Fatalf("Detect = %v, want sqlite", f)
	}
	got, err := walkSQLite(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("members %v, want %d", sqliteNames(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s: %d bytes, want the %d stored (members %v)", name, len(got[name]), len(b), sqliteNames(got))
		}
	}
}

func TestSQLiteCorrupt(t *testing.T) {
	data, _ := sqliteAppDB(t, 200) // pictures first, then ~45 pages of filler
	sqlitePrivateTemp(t)
	t.Run("truncated", func(t *testing.T) {
		got, err := walkSQLite(t, data[:len(data)/2])
		if err == nil {
			t.Fatalf("no error for a truncated database (members %v)", sqliteNames(got))
		}
		t.Log(err)
	})
	t.Run("garbage pages", func(t *testing.T) {
		bad := append([]byte(nil), data...)
		page := int(bad[16])<<8 | int(bad[17])
		for i := page; i < len(bad); i++ { // every page after the schema
			bad[i] = byte(i*131 + i>>8)
		}
		_, err := walkSQLite(t, bad)
		if err == nil {
			t.Fatal("no error for garbage pages")
		}
		t.Log(err)
	})
	t.Run("garbage in a later table", func(t *testing.T) {
		bad := append([]byte(nil), data...)
		for i := len(bad) * 3 / 4; i < len(bad); i++ { // filler pages come last
			bad[i] = byte(i*131 + i>>8)
		}
		got, err := walkSQLite(t, bad)
		if err == nil || !strings.Contains(err.Error(), `"filler"`) {
			t.Fatalf("err = %v, want one naming the damaged table", err)
		}
		for _, name := range []string{"thumbs/data/1.jpeg", "thumbs/data/2.png", "thumbs/extra/2.jpeg"} {
			if got[name] == nil {
				t.Errorf("%s, read before the damage, is lost (members %v)", name, sqliteNames(got))
			}
		}
	})
	t.Run("garbage after header", func(t *testing.T) {
		bad := append([]byte(nil), data[:100]...)
		bad = append(bad, bytes.Repeat([]byte{0xA5}, 4096)...)
		if _, err := walkSQLite(t, bad); err == nil {
			t.Fatal("no error for a header followed by garbage")
		}
	})
}

func TestSQLiteTooLarge(t *testing.T) {
	sqlitePrivateTemp(t)
	err := sqliteFormat{}.Walk(context.Background(), bytes.NewReader(nil), MaxSQLiteSize+1, func(Member) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "larger than 1 GiB") {
		t.Fatalf("err = %v, want the size refusal", err)
	}
}

func sqliteNames(m map[string][]byte) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}

// TestSQLiteLargeBlobStreams reads a picture blob over two chunks long,
// so that it is streamed in pieces and must come back byte for byte.
func TestSQLiteLargeBlobStreams(t *testing.T) {
	big := sqlitePicture(t, false, 5)
	for len(big) < 2*blobChunk+12345 {
		big = append(big, byte(len(big)*7919>>3))
	}
	path := filepath.Join(t.TempDir(), "big.sqlite")
	writeSQLite(t, path, `CREATE TABLE media (data BLOB)`, `INSERT INTO media VALUES (?)`, []any{big})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sqlitePrivateTemp(t)
	got, err := walkSQLite(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got["media/data/1.jpeg"], big) {
		t.Fatalf("members %v: the %d-byte blob did not come back whole", sqliteNames(got), len(big))
	}
}

// TestSQLiteDeletedRowCarved: a picture whose row was deleted stays in the
// page's free space; it is carved, while the live row's picture is handed
// out once, by its row, not carved a second time.
func TestSQLiteDeletedRowCarved(t *testing.T) {
	live, gone := sqlitePicture(t, false, 6), sqlitePicture(t, false, 7)
	path := filepath.Join(t.TempDir(), "deleted.sqlite")
	writeSQLite(t, path, `PRAGMA secure_delete = OFF`,
		`CREATE TABLE thumbs (id INTEGER PRIMARY KEY, data BLOB)`,
		`INSERT INTO thumbs VALUES (1, ?)`, []any{gone},
		`INSERT INTO thumbs VALUES (2, ?)`, []any{live},
		`DELETE FROM thumbs WHERE id = 1`)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sqlitePrivateTemp(t)
	got, err := walkSQLite(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got["thumbs/data/2.jpeg"], live) {
		t.Errorf("live row missing (members %v)", sqliteNames(got))
	}
	carved := 0
	for name, b := range got {
		if strings.HasPrefix(name, "carved@") {
			carved++
			if !bytes.Equal(b, gone) {
				t.Errorf("%s is not the deleted picture", name)
			}
		}
	}
	if carved != 1 {
		t.Errorf("%d carved members, want the deleted picture once (members %v)", carved, sqliteNames(got))
	}
}
