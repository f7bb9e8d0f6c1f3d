package expand

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// BackupNames reads the Manifest.db of an iTunes/Finder iOS backup, whose
// files are stored as XX/FILEID, and maps each fileID to the name it had
// on the phone, "Domain/relativePath". The manifest is opened read-only
// and immutable in place: nothing is written beside the evidence.
// An encrypted backup (Manifest.plist IsEncrypted, or a Manifest.db that
// is not a SQLite file) is an error wrapping ErrEncrypted naming the backup.
func BackupNames(manifestDB string) (names map[string]string, err error) {
	backup := filepath.Dir(manifestDB)
	if encryptedPlist(filepath.Join(backup, "Manifest.plist")) {
		return nil, fmt.Errorf("backup %s: Manifest.plist says IsEncrypted: %w", backup, ErrEncrypted)
	}
	head := make([]byte, 16)
	f, err := os.Open(manifestDB)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", backup, err)
	}
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || !(sqliteFormat{}).Probe(head) {
		return nil, fmt.Errorf("backup %s: %s is not a SQLite database (an encrypted backup): %w", backup, manifestDB, ErrEncrypted)
	}
	db, err := openReadOnly(manifestDB)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", backup, err)
	}
	defer db.Close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("backup %s: damaged Manifest.db: internal error: %v", backup, p)
		}
	}()
	rows, err := db.Query(`SELECT fileID, coalesce(domain, ''), coalesce(relativePath, '') FROM Files`)
	if err != nil {
		return nil, fmt.Errorf("backup %s: Manifest.db has no readable Files table: %w", backup, err)
	}
	defer rows.Close()
	names = map[string]string{}
	for rows.Next() {
		var id, domain, rel string
		if err := rows.Scan(&id, &domain, &rel); err != nil {
			return nil, fmt.Errorf("backup %s: Manifest.db Files row %d: %w", backup, len(names)+1, err)
		}
		names[id] = cleanName(strings.TrimSuffix(domain+"/"+rel, "/"))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup %s: Manifest.db Files: %w", backup, err)
	}
	return names, nil
}

// encryptedPlist reports whether a Manifest.plist, XML or binary (as
// iTunes writes it), sets IsEncrypted to true. An encrypted backup of iOS
// 10.2 and later also has an encrypted Manifest.db, which BackupNames
// checks next; earlier ones only say so here.
func encryptedPlist(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 16<<20 {
		return false
	}
	if bytes.HasPrefix(b, []byte("bplist00")) {
		v, _, _ := bplistTopBool(b, "IsEncrypted")
		return v
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	// Only the top-level dictionary counts: each app's own entry under
	// Applications may carry an IsEncrypted of its own.
	depth, key, inKey := 0, "", false
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "dict", "array":
				depth++
			case "key":
				inKey = depth == 1
			case "true":
				if depth == 1 && key == "IsEncrypted" {
					return true
				}
			}
		case xml.CharData:
			if inKey {
				key = strings.TrimSpace(string(t))
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "dict", "array":
				depth--
			case "key":
				inKey = false
			}
		}
	}
}
