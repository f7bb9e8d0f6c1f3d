package categorize

import (
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/categorize/hashset"
)

func md5Of(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// TestRDSv3 builds a database with the RDSv3 FILE and PKG tables (upper-case
// hex as NIST ships it) and reads it back.
func TestRDSv3(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "RDS_2025.03.1_modern_minimal.db")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE PKG (package_id INTEGER PRIMARY KEY, name TEXT, version TEXT, operating_system_id INTEGER, manufacturer_id INTEGER, language TEXT, application_type TEXT)`,
		`CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER NOT NULL)`,
		`INSERT INTO PKG VALUES (1, 'Windows', '11', 1, 1, 'en', 'OS')`,
		`INSERT INTO FILE VALUES ('` + strings.ToUpper(strings.Repeat("ab", 32)) + `', '` + strings.ToUpper(strings.Repeat("cd", 20)) + `', '` + strings.ToUpper(md5Of("a")) + `', '0000', 'kernel32.dll', 1024, 1)`,
		`INSERT INTO FILE VALUES ('', '` + strings.Repeat("ef", 20) + `', '` + md5Of("b") + `', '0000', 'caf` + "\u00e9" + `.txt', 5, 1)`,
		`INSERT INTO FILE VALUES ('nothex', 'x', 'y', '0', 'bad', 1, 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if !isSQLite(p) {
		t.Fatal("not recognised as SQLite")
	}
	before, _ := os.ReadDir(dir)
	var got []hashset.Entry
	sum, err := readRDSv3(p, hashset.Options{}, func(e hashset.Entry) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Variant != "RDSv3" || sum.Records != 3 || sum.Entries != 2 || sum.Bad != 1 || len(sum.FirstBad) != 1 || sum.FirstBad[0] != 3 {
		t.Fatalf("summary %+v", sum)
	}
	if got[0].SHA256 != strings.Repeat("ab", 32) || got[0].MD5 != md5Of("a") || got[0].Code != hashset.CodeKnownGood || got[0].Category != "" || got[0].FileName != "kernel32.dll" || got[0].Size != 1024 {
		t.Errorf("first entry %+v", got[0])
	}
	if got[1].SHA256 != "" || got[1].SHA1 != strings.Repeat("ef", 20) || got[1].FileName != "café.txt" {
		t.Errorf("second entry %+v", got[1])
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("reading the database wrote beside it: %v", after)
	}
	// A relative path (scrim hashset import --format nsrl RDS.db) once
	// read as the URI's authority.
	t.Chdir(dir)
	rel, err := readRDSv3(filepath.Base(p), hashset.Options{DigestsOnly: true}, func(e hashset.Entry) error {
		if e.FileName != "" {
			t.Errorf("DigestsOnly entry has a name: %+v", e)
		}
		return nil
	})
	if err != nil || rel.Entries != 2 {
		t.Fatalf("relative path: %+v, %v", rel, err)
	}
}
