// Package phone lays out phone extractions for tests from their documented
// layouts: an iTunes/Finder backup folder (Manifest.db, Manifest.plist,
// Info.plist, Status.plist, files stored as XX/SHA1(domain-relativePath))
// and the folder tree a Cellebrite UFDR zips (report.xml, files/<Category>/).
// Real tools make the rest: modernc.org/sqlite writes Manifest.db, zip
// packs the UFDR.
package phone

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // Manifest.db is written by a real SQLite
)

// BackupFile is one file of an iOS backup.
type BackupFile struct {
	Domain, RelativePath string
	Data                 []byte
}

// FileID is the name iOS stores a backed-up file under.
func FileID(domain, relativePath string) string {
	s := sha1.Sum([]byte(domain + "-" + relativePath))
	return hex.EncodeToString(s[:])
}

// Backup writes an iOS 10+ backup into dir (created) and returns the
// stored slash path ("3d/3d0d…") of each file, keyed by its
// "Domain/relativePath". Unlisted files are stored but left out of
// Manifest.db. An encrypted backup has IsEncrypted in Manifest.plist, a
// Manifest.db of ciphertext and file contents of ciphertext, as iOS
// 10.2 and later write them.
func Backup(dir string, files, unlisted []BackupFile, encrypted bool) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	stored := map[string]string{}
	write := func(f BackupFile) error {
		id := FileID(f.Domain, f.RelativePath)
		rel := id[:2] + "/" + id
		stored[f.Domain+"/"+f.RelativePath] = rel
		data := f.Data
		if encrypted {
			data = make([]byte, (len(f.Data)/16+1)*16)
			rand.Read(data)
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	for _, f := range append(append([]BackupFile(nil), files...), unlisted...) {
		if err := write(f); err != nil {
			return nil, err
		}
	}
	manifest := filepath.Join(dir, "Manifest.db")
	if encrypted {
		b := make([]byte, 8192)
		rand.Read(b)
		if err := os.WriteFile(manifest, b, 0o644); err != nil {
			return nil, err
		}
	} else if err := manifestDB(manifest, files); err != nil {
		return nil, err
	}
	plists := map[string]string{
		"Manifest.plist": plist(`<key>BackupKeyBag</key><data>VkVSUwAAAAQAAAAF</data>
<key>Date</key><date>2026-11-30T09:00:00Z</date>
<key>IsEncrypted</key><` + strconv.FormatBool(encrypted) + `/>
<key>Lockdown</key><dict><key>ProductVersion</key><string>17.5.1</string><key>DeviceName</key><string>Test iPhone</string></dict>
<key>Version</key><string>10.0</string>`),
		"Info.plist": plist(`<key>Device Name</key><string>Test iPhone</string>
<key>Product Type</key><string>iPhone13,2</string>
<key>Product Version</key><string>17.5.1</string>
<key>Target Identifier</key><string>00008101-000A1B2C3D4E5F60</string>`),
		"Status.plist": plist(`<key>BackupState</key><string>new</string>
<key>IsFullBackup</key><false/>
<key>SnapshotState</key><string>finished</string>
<key>Version</key><string>3.3</string>`),
	}
	for name, s := range plists {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

func plist(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
` + body + `
</dict>
</plist>
`
}

// manifestDB writes the Files table iOS 10+ backups keep, with a folder
// row per parent (flags 2) as real manifests have.
func manifestDB(path string, files []BackupFile) error {
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path}).String())
	if err != nil {
		return err
	}
	defer db.Close()
	stmts := []string{
		`CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)`,
		`CREATE INDEX FilesDomainIdx ON Files(domain)`,
		`CREATE INDEX FilesRelativePathIdx ON Files(relativePath)`,
		`CREATE INDEX FilesFlagsIdx ON Files(flags)`,
		`CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("Manifest.db: %w", err)
		}
	}
	for _, f := range files {
		dirRel := filepath.ToSlash(filepath.Dir(f.RelativePath))
		if _, err := db.Exec(`INSERT OR IGNORE INTO Files VALUES (?, ?, ?, 2, NULL)`, FileID(f.Domain, dirRel), f.Domain, dirRel); err != nil {
			return fmt.Errorf("Manifest.db: %w", err)
		}
		if _, err := db.Exec(`INSERT INTO Files VALUES (?, ?, ?, 1, ?)`, FileID(f.Domain, f.RelativePath), f.Domain, f.RelativePath, []byte("bplist00")); err != nil {
			return fmt.Errorf("Manifest.db: %w", err)
		}
	}
	return nil
}

// UFDRFile is one file a UFDR's report.xml lists.
type UFDRFile struct {
	DevicePath string // path attribute, as on the phone
	Local      string // member path inside the UFDR, slash-separated ("files/Image/IMG_0001.JPG")
	Data       []byte
	Deleted    bool
	// BadSHA256 gives the report a SHA-256 the bytes do not have.
	BadSHA256 bool
}

// UFDRTree writes into dir what a UFDR zips: report.xml at the root (in
// the shape ingest/expand/ufdr.go cites), Report.pdf, and each file at
// its Local Path.
func UFDRTree(dir string, files []UFDRFile) error {
	var x strings.Builder
	x.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<project id="7c1e" name="Test extraction" reportVersion="7.60.0.120" containsGarbage="False" extractionType="FileSystem" xmlns="http://pa.cellebrite.com/report/2.0">
  <sourceExtractions><extractionInfo id="0" name="File System" type="FileSystem" deviceName="Test phone" index="0" IsPartialData="False" /></sourceExtractions>
  <decodedData><modelType type="InstalledApplication"><model type="InstalledApplication" id="a1"><field name="Name" type="String"><value type="String"><![CDATA[Photos]]></value></field></model></modelType></decodedData>
  <taggedFiles>
`)
	for i, f := range files {
		md := md5.Sum(f.Data)
		sh := sha256.Sum256(f.Data)
		shs := hex.EncodeToString(sh[:])
		if f.BadSHA256 {
			shs = strings.Repeat("0f", 32)
		}
		deleted := "Intact"
		if f.Deleted {
			deleted = "Deleted"
		}
		fmt.Fprintf(&x, `    <file fs="Test phone (File System)" fsid="fs0" path="%s" size="%d" id="f%d" extractionId="0" deleted="%s" embedded="false" isrelated="False">
      <accessInfo><timestamp name="ModifyTime">2025-06-01T10:00:00+00:00</timestamp></accessInfo>
      <metadata section="File">
        <item name="Local Path"><![CDATA[%s]]></item>
        <item name="SHA256"><![CDATA[%s]]></item>
        <item name="MD5"><![CDATA[%s]]></item>
      </metadata>
    </file>
`, html.EscapeString(f.DevicePath), len(f.Data), i, deleted, strings.ReplaceAll(f.Local, "/", `\`), shs, hex.EncodeToString(md[:]))
		p := filepath.Join(dir, filepath.FromSlash(f.Local))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	x.WriteString("  </taggedFiles>\n</project>\n")
	if err := os.WriteFile(filepath.Join(dir, "report.xml"), []byte(x.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Report.pdf"), []byte("%PDF-1.4\n% extraction summary placeholder\n"), 0o644)
}
