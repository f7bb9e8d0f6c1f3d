package hashset

import (
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // pure Go: cmd/scrim stays cgo-free
)

// readRDSv3 streams the FILE table of an NSRL RDSv3 SQLite database
// (FILE(sha256, sha1, md5, crc32, file_name, file_size, package_id)). The
// database is opened read-only and immutable, so SQLite writes no journal
// or lock file beside it.
func readRDSv3(path string, opt Options, fn func(Entry) error) (sum Summary, err error) {
	defer guard("nsrl", &err)
	cat := opt.Category
	if cat == "" {
		cat = "5"
	}
	sum = Summary{Format: "nsrl", Variant: "RDSv3",
		Mapping: fmt.Sprintf("NSRL RDS (known software, no category in the source): every entry → %s", cat)}
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&immutable=1"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return sum, fmt.Errorf("nsrl: open %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT sha256, sha1, md5, file_name, file_size FROM FILE`)
	if err != nil {
		return sum, fmt.Errorf("nsrl: %s is not an RDSv3 database (no FILE table with sha256, sha1, md5, file_name, file_size): %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		sum.Records++
		var sha256, sha1, md5, name sql.NullString
		var size sql.NullInt64
		if err := rows.Scan(&sha256, &sha1, &md5, &name, &size); err != nil {
			sum.bad(int(sum.Records))
			continue
		}
		e := Entry{Category: cat, Line: int(sum.Records), FileName: name.String}
		if size.Valid && size.Int64 >= 0 {
			e.Size = size.Int64
		}
		bad := false
		for _, d := range []struct {
			v   sql.NullString
			n   int
			dst *string
		}{{sha256, sha256Hex, &e.SHA256}, {sha1, sha1Hex, &e.SHA1}, {md5, md5Hex, &e.MD5}} {
			if !d.v.Valid || d.v.String == "" {
				continue
			}
			h, ok := normHex([]byte(d.v.String), d.n)
			if !ok {
				bad = true
				break
			}
			*d.dst = h
		}
		if bad || !hasDigest(&e) {
			sum.bad(e.Line)
			continue
		}
		if err := sum.emit(fn, e); err != nil {
			return sum, fmt.Errorf("nsrl: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return sum, fmt.Errorf("nsrl: read %s after record %d: %w", path, sum.Records, err)
	}
	return sum, nil
}
