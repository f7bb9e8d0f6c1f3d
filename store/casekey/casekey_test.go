package casekey

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCreateUnlockAndNeverStoreTheKey(t *testing.T) {
	dir := t.TempDir()
	s := Secret{Passphrase: "a passphrase of some length"}
	key, err := Create(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 {
		t.Fatalf("key of %d bytes, want 32 (AES-256)", len(key))
	}
	raw, _ := os.ReadFile(filepath.Join(dir, FileName))
	if bytes.Contains(raw, key) || bytes.Contains(raw, []byte(s.Passphrase)) {
		t.Fatal("the key file holds the key or the passphrase")
	}
	if fi, _ := os.Stat(filepath.Join(dir, FileName)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	f, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Unlock(s)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("unlock: %v", err)
	}
	if _, err := f.Unlock(Secret{Passphrase: "a passphrase of some lengtH"}); !errors.Is(err, ErrWrongSecret) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := Create(dir, s); err == nil {
		t.Fatal("Create replaced an existing key file")
	}
	if f, err := Read(t.TempDir()); f != nil || err != nil {
		t.Fatalf("plain case: %v %v", f, err)
	}
}

func TestSameKeyFileGivesEachCaseItsOwnKey(t *testing.T) {
	tmp := t.TempDir()
	kf := filepath.Join(tmp, "k")
	os.WriteFile(kf, bytes.Repeat([]byte("0123456789abcdef"), 4), 0o600)
	a, _ := os.MkdirTemp(tmp, "a")
	b, _ := os.MkdirTemp(tmp, "b")
	ka, err := Create(a, Secret{KeyFile: kf})
	if err != nil {
		t.Fatal(err)
	}
	kb, err := Create(b, Secret{KeyFile: kf})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ka, kb) {
		t.Fatal("two cases with one key file share their key: the salt is not used")
	}
}

func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	if _, err := Create(dir, Secret{Passphrase: "fuzzing passphrase"}); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	f.Add(b)
	f.Add([]byte(`{"format":1,"cipher":"AES-256 (Badger)","mode":"keyfile","kdf":"hmac-sha256","salt":"AAAAAAAAAAAAAAAAAAAAAA==","check":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not marked ErrCorrupt: %v", err)
			}
			return
		}
		// Whatever parses must stay within what Unlock can afford.
		if kf.Mode == ModePassphrase && kf.MemoryKiB > 1<<20 {
			t.Fatalf("accepted %d KiB of argon2id memory", kf.MemoryKiB)
		}
	})
}
