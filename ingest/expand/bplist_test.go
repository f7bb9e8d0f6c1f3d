package expand

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// binaryPlist converts an XML plist to the binary form with plistutil
// (libimobiledevice's libplist, which idevicebackup2 writes backups with).
func binaryPlist(t *testing.T, xml string) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.plist"), []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	tool(t, dir, "plistutil", "-i", "in.plist", "-o", "out.plist", "-f", "bin")
	b, err := os.ReadFile(filepath.Join(dir, "out.plist"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "bplist00") {
		t.Fatalf("plistutil wrote %q", b[:min(len(b), 16)])
	}
	return b
}

// TestBackupNamesBinaryPlist: a binary Manifest.plist saying IsEncrypted
// (an iOS 10.0/10.1 encrypted backup, whose Manifest.db is still plain)
// makes the backup encrypted; one saying false, or saying it only for an
// app, does not.
func TestBackupNamesBinaryPlist(t *testing.T) {
	for _, c := range []struct {
		top       string
		encrypted bool
	}{{"true", true}, {"false", false}} {
		dir := iosBackup(t, "")
		b := binaryPlist(t, strings.Replace(manifestPlist, "%s", c.top, 1))
		if err := os.WriteFile(filepath.Join(dir, "Manifest.plist"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		names, err := BackupNames(filepath.Join(dir, "Manifest.db"))
		if got := errors.Is(err, ErrEncrypted); got != c.encrypted || (!c.encrypted && (err != nil || len(names) != 3)) {
			t.Errorf("IsEncrypted %s: err %v, %d names", c.top, err, len(names))
		}
	}
}

// TestBplistTopBool reads the top dictionary's booleans of a plistutil
// plist with an UTF-16 key and a long (extended count) dictionary.
func TestBplistTopBool(t *testing.T) {
	var x strings.Builder
	x.WriteString(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>`)
	for i := range 20 {
		x.WriteString("<key>k" + string(rune('a'+i)) + "</key><integer>1</integer>")
	}
	x.WriteString("<key>Clé</key><false/><key>IsEncrypted</key><true/></dict></plist>")
	b := binaryPlist(t, x.String())
	for _, c := range []struct {
		key          string
		value, found bool
	}{{"IsEncrypted", true, true}, {"Clé", false, true}, {"absent", false, false}} {
		v, found, err := bplistTopBool(b, c.key)
		if err != nil || v != c.value || found != c.found {
			t.Errorf("%s: %v %v %v", c.key, v, found, err)
		}
	}
	if _, _, err := bplistTopBool(b[:len(b)-1], "IsEncrypted"); err == nil {
		t.Error("a truncated plist read")
	}
}
