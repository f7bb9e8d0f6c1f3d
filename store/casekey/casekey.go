// Package casekey is the key file of an encrypted case: the one plain file
// in the case directory. It holds only what is needed to derive the case's
// AES-256 key from a passphrase (argon2id) or a key file (HMAC-SHA256), and
// a key check value to tell a wrong secret from a damaged case before
// Badger sees the key. It never holds the key.
//
// Layout of casekey.json (format 1):
//
//	{"format":1, "cipher":"AES-256 (Badger)", "mode":"passphrase"|"keyfile",
//	 "kdf":"argon2id"|"hmac-sha256", "time":3, "memory_kib":65536, "threads":2,
//	 "salt":"<base64, 32 bytes>", "check":"<base64 HMAC-SHA256(master, check label)>"}
//
// The master secret is argon2id(passphrase, salt) or HMAC-SHA256(key file
// content, salt); Badger's key and the check value are derived from it
// with HKDF-SHA256 under different labels.
package casekey

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/crypto/argon2"
)

// FileName is the key file's name inside the case directory.
const FileName = "casekey.json"

// MinPassphrase is the shortest passphrase a new case accepts, in characters.
const MinPassphrase = 12

// MinKeyFile is the smallest key file accepted, in bytes; maxKeyFile keeps
// a mistaken path (a disk image) from being read whole.
const (
	MinKeyFile = 32
	maxKeyFile = 1 << 20
)

// Modes of a case key.
const (
	ModePassphrase = "passphrase"
	ModeKeyFile    = "keyfile"
)

const (
	format     = 1
	cipherName = "AES-256 (Badger)"
	kdfArgon   = "argon2id"
	kdfHMAC    = "hmac-sha256"
	saltSize   = 32
	// argon2id as for court packages: RFC 9106's second recommendation, two lanes.
	argonTime   = 3
	argonMemory = 64 << 10
	argonLanes  = 2
)

var (
	// ErrWrongSecret means the passphrase or key file does not unlock the case.
	ErrWrongSecret = errors.New("wrong passphrase or key file")
	// ErrWrongMode means a passphrase was given for a key-file case or the
	// other way round.
	ErrWrongMode = errors.New("the case is locked the other way")
	// ErrCorrupt means the key file is not one this scrim wrote.
	ErrCorrupt = errors.New("case key file is damaged")
)

// Secret is what the examiner gives: a passphrase or the path of a key file.
type Secret struct {
	Passphrase string
	KeyFile    string
}

// Given tells whether any secret is there.
func (s Secret) Given() bool { return s.Passphrase != "" || s.KeyFile != "" }

// File is a parsed casekey.json.
type File struct {
	Format    int    `json:"format"`
	Cipher    string `json:"cipher"`
	Mode      string `json:"mode"`
	KDF       string `json:"kdf"`
	Time      uint32 `json:"time,omitempty"`
	MemoryKiB uint32 `json:"memory_kib,omitempty"`
	Threads   uint8  `json:"threads,omitempty"`
	Salt      []byte `json:"salt"`
	Check     []byte `json:"check"`
}

// Parse reads and checks a key file's bytes; parameters outside what this
// scrim writes are refused, so a planted file cannot ask for 100 GiB.
func Parse(b []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrCorrupt)
	}
	if f.Format != format {
		return nil, fmt.Errorf("%w: format %d, this scrim reads format %d", ErrCorrupt, f.Format, format)
	}
	if f.Cipher != cipherName {
		return nil, fmt.Errorf("%w: cipher %q", ErrCorrupt, f.Cipher)
	}
	switch {
	case f.Mode == ModePassphrase && f.KDF == kdfArgon:
		if f.Time < 1 || f.Time > 16 || f.MemoryKiB < 8<<10 || f.MemoryKiB > 1<<20 || f.Threads < 1 || f.Threads > 16 {
			return nil, fmt.Errorf("%w: argon2id parameters out of range (time %d, memory %d KiB, threads %d)", ErrCorrupt, f.Time, f.MemoryKiB, f.Threads)
		}
	case f.Mode == ModeKeyFile && f.KDF == kdfHMAC:
		if f.Time != 0 || f.MemoryKiB != 0 || f.Threads != 0 {
			return nil, fmt.Errorf("%w: argon2id parameters in key-file mode", ErrCorrupt)
		}
	default:
		return nil, fmt.Errorf("%w: mode %q with KDF %q", ErrCorrupt, f.Mode, f.KDF)
	}
	if len(f.Salt) < 16 || len(f.Salt) > 64 {
		return nil, fmt.Errorf("%w: salt of %d bytes", ErrCorrupt, len(f.Salt))
	}
	if len(f.Check) != sha256.Size {
		return nil, fmt.Errorf("%w: key check of %d bytes", ErrCorrupt, len(f.Check))
	}
	return &f, nil
}

// Read returns the key file of the case in dir, nil when the case is not
// encrypted.
func Read(dir string) (*File, error) {
	p := filepath.Join(dir, FileName)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return f, nil
}

// Create makes the key file of a new case in dir and returns the AES-256
// key. It refuses to replace an existing key file.
func Create(dir string, s Secret) ([]byte, error) {
	f := &File{Format: format, Cipher: cipherName, Salt: make([]byte, saltSize)}
	if _, err := rand.Read(f.Salt); err != nil {
		return nil, fmt.Errorf("case key salt: %w", err)
	}
	switch {
	case s.Passphrase != "" && s.KeyFile != "":
		return nil, errors.New("give a passphrase or a key file, not both")
	case s.Passphrase != "":
		if n := len([]rune(s.Passphrase)); n < MinPassphrase {
			return nil, fmt.Errorf("the case passphrase has %d characters; at least %d are needed", n, MinPassphrase)
		}
		f.Mode, f.KDF, f.Time, f.MemoryKiB, f.Threads = ModePassphrase, kdfArgon, argonTime, argonMemory, argonLanes
	case s.KeyFile != "":
		f.Mode, f.KDF = ModeKeyFile, kdfHMAC
	default:
		return nil, errors.New("no passphrase or key file for the new encrypted case")
	}
	master, err := f.master(s)
	if err != nil {
		return nil, err
	}
	key, check, err := derive(master)
	if err != nil {
		return nil, err
	}
	f.Check = check
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeNew(filepath.Join(dir, FileName), append(b, '\n')); err != nil {
		return nil, err
	}
	return key, nil
}

// Unlock derives the case key from s and checks it against the key check
// value.
func (f *File) Unlock(s Secret) ([]byte, error) {
	if (f.Mode == ModePassphrase && s.Passphrase == "") || (f.Mode == ModeKeyFile && s.KeyFile == "") {
		return nil, ErrWrongMode
	}
	master, err := f.master(s)
	if err != nil {
		return nil, err
	}
	key, check, err := derive(master)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(check, f.Check) {
		return nil, ErrWrongSecret
	}
	return key, nil
}

func (f *File) master(s Secret) ([]byte, error) {
	if f.Mode == ModePassphrase {
		return argon2.IDKey([]byte(s.Passphrase), f.Salt, f.Time, f.MemoryKiB, f.Threads, 32), nil
	}
	content, err := readKeyFile(s.KeyFile)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, content)
	m.Write([]byte("scrim case key file v1"))
	m.Write(f.Salt)
	return m.Sum(nil), nil
}

// derive splits the master secret into Badger's key and the check value.
func derive(master []byte) (key, check []byte, err error) {
	if key, err = hkdf.Key(sha256.New, master, nil, "scrim case v1 badger key", 32); err != nil {
		return nil, nil, fmt.Errorf("derive case key: %w", err)
	}
	if check, err = hkdf.Key(sha256.New, master, nil, "scrim case v1 key check", sha256.Size); err != nil {
		return nil, nil, fmt.Errorf("derive case key check: %w", err)
	}
	return key, check, nil
}

func readKeyFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	switch {
	case len(b) < MinKeyFile:
		return nil, fmt.Errorf("key file %s has %d bytes; at least %d random bytes are needed (e.g. head -c 32 /dev/urandom > FILE)", path, len(b), MinKeyFile)
	case len(b) > maxKeyFile:
		return nil, fmt.Errorf("key file %s is larger than %d bytes: is it the right file?", path, maxKeyFile)
	}
	return b, nil
}

func writeNew(path string, b []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create case key file: %w", err)
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return fh.Close()
}
