package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/store/casekey"
)

const testPass = "correct horse battery"

// fillEncrypted writes one file with a thumbnail and a distinctive path
// into a new encrypted case, closed again.
func fillEncrypted(t *testing.T, dir string, key casekey.Secret) (thumb []byte, path string) {
	t.Helper()
	st, err := Open(dir, Options{Create: true, Encrypt: true, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	thumb = bytes.Repeat([]byte("THUMBNAIL-BYTES-"), 200)
	path = "/evidence/Distinctive_Holiday_Album/IMG_0042_secret_name.jpg"
	m := media(42, "picture")
	b := st.NewBatch()
	if _, err := b.Add(FileRecord{Occurrence: occ("ev1", path, m), Media: m, Thumb: thumb}); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return thumb, path
}

// caseBytes is every byte of every file of the case directory.
func caseBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEncryptedCaseOpensOnlyWithItsPassphrase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	thumb, path := fillEncrypted(t, dir, casekey.Secret{Passphrase: testPass})
	before := caseBytes(t, dir)
	for name, b := range before {
		if bytes.Contains(b, thumb[:64]) || bytes.Contains(b, []byte("Distinctive_Holiday_Album")) {
			t.Errorf("%s holds plain case data", name)
		}
	}

	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrEncrypted) {
		t.Fatalf("open without a key: %v, want ErrEncrypted", err)
	}
	_, err = Open(dir, Options{Key: casekey.Secret{Passphrase: "not the passphrase"}})
	if !errors.Is(err, ErrWrongKey) || err.Error() != "wrong passphrase for case "+dir {
		t.Fatalf("open with a wrong passphrase: %v", err)
	}
	_, err = Open(dir, Options{Key: casekey.Secret{KeyFile: "/nonexistent"}})
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "locked with a passphrase") {
		t.Fatalf("open with a key file: %v", err)
	}
	after := caseBytes(t, dir)
	if len(after) != len(before) {
		t.Fatalf("failed opens changed the case: %d files, then %d", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("failed opens changed %s", name)
		}
	}

	st, err := Open(dir, Options{Key: casekey.Secret{Passphrase: testPass}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Thumbnail(media(42, "").SHA256)
	if err != nil || !bytes.Equal(got, thumb) {
		t.Fatalf("thumbnail read back: %v (%d bytes, want %d)", err, len(got), len(thumb))
	}
	var paths []string
	st.EachOccurrence("ev1", func(o Occurrence) error { paths = append(paths, o.Path); return nil })
	if len(paths) != 1 || paths[0] != path {
		t.Fatalf("occurrences %v, want %s", paths, path)
	}
}

func TestEncryptedCaseWithKeyFile(t *testing.T) {
	tmp := t.TempDir()
	keyFile := filepath.Join(tmp, "case.key")
	k := make([]byte, 32)
	rand.Read(k)
	os.WriteFile(keyFile, k, 0o600)
	dir := filepath.Join(tmp, "case")
	thumb, _ := fillEncrypted(t, dir, casekey.Secret{KeyFile: keyFile})

	other := filepath.Join(tmp, "other.key")
	os.WriteFile(other, bytes.Repeat([]byte{7}, 64), 0o600)
	if _, err := Open(dir, Options{Key: casekey.Secret{KeyFile: other}}); !errors.Is(err, ErrWrongKey) || err.Error() != "wrong key file for case "+dir {
		t.Fatalf("open with another key file: %v", err)
	}
	short := filepath.Join(tmp, "short.key")
	os.WriteFile(short, []byte("too short"), 0o600)
	if _, err := Open(dir, Options{Key: casekey.Secret{KeyFile: short}}); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Fatalf("open with a 9-byte key file: %v", err)
	}
	if _, err := Open(dir, Options{Key: casekey.Secret{Passphrase: testPass}}); !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "locked with a key file") {
		t.Fatalf("open with a passphrase: %v", err)
	}
	st, err := Open(dir, Options{Key: casekey.Secret{KeyFile: keyFile}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, err := st.Thumbnail(media(42, "").SHA256); err != nil || !bytes.Equal(got, thumb) {
		t.Fatalf("thumbnail read back: %v", err)
	}
}

func TestEncryptionRefusedOnPlainCase(t *testing.T) {
	st, dir := openTemp(t)
	st.Close()
	_, err := Open(dir, Options{Create: true, Encrypt: true, Key: casekey.Secret{Passphrase: testPass}})
	if !errors.Is(err, ErrNotEncrypted) || !strings.Contains(err.Error(), "cannot encrypt a case in place") {
		t.Fatalf("encrypt an existing plain case: %v", err)
	}
	if _, err := Open(dir, Options{Key: casekey.Secret{Passphrase: testPass}}); !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("key for a plain case: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, casekey.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused encryption left a key file: %v", err)
	}
	st, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("plain case after the refusals: %v", err)
	}
	st.Close()
}

func TestNewEncryptedCaseNeedsAGoodPassphrase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, err := Open(dir, Options{Create: true, Encrypt: true, Key: casekey.Secret{Passphrase: "short"}}); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short passphrase: %v", err)
	}
	if _, err := Open(dir, Options{Create: true, Encrypt: true}); err == nil || !strings.Contains(err.Error(), "no passphrase or key file") {
		t.Fatalf("no passphrase: %v", err)
	}
}

func TestEncryptedCaseWithoutKeyFileSaysSo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	fillEncrypted(t, dir, casekey.Secret{Passphrase: testPass})
	if err := os.Remove(filepath.Join(dir, casekey.FileName)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), "key file casekey.json is missing") {
		t.Fatalf("open with the key file gone: %v", err)
	}
}

func TestDamagedKeyFileIsAClearError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	fillEncrypted(t, dir, casekey.Secret{Passphrase: testPass})
	kf := filepath.Join(dir, casekey.FileName)
	b, _ := os.ReadFile(kf)
	os.WriteFile(kf, bytes.Replace(b, []byte(`"time": 3`), []byte(`"time": 3000`), 1), 0o600)
	_, err := Open(dir, Options{Key: casekey.Secret{Passphrase: testPass}})
	if !errors.Is(err, casekey.ErrCorrupt) || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("open with a damaged key file: %v", err)
	}
}
