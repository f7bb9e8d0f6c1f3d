package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"scrim/store/casekey"
)

// keyErr is a sentence for the examiner that still matches a sentinel.
type keyErr struct {
	msg  string
	kind error
}

func (e keyErr) Error() string { return e.msg }
func (e keyErr) Unwrap() error { return e.kind }

// caseKey decides whether the case in abs is (to be) encrypted and returns
// Badger's key, nil for a plain case. A wrong secret is caught here, against
// the key check value, so Badger's own error never reaches the examiner.
func caseKey(abs, dir string, opt Options) ([]byte, error) {
	kf, err := casekey.Read(abs)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", dir, err)
	}
	_, statErr := os.Stat(filepath.Join(abs, "MANIFEST"))
	exists := statErr == nil
	switch {
	case kf != nil:
		if !opt.Key.Given() {
			return nil, fmt.Errorf("case %s: %w", dir, ErrEncrypted)
		}
		key, err := kf.Unlock(opt.Key)
		switch {
		case errors.Is(err, casekey.ErrWrongMode) && kf.Mode == casekey.ModeKeyFile:
			return nil, keyErr{fmt.Sprintf("case %s is locked with a key file, not a passphrase", dir), ErrWrongKey}
		case errors.Is(err, casekey.ErrWrongMode):
			return nil, keyErr{fmt.Sprintf("case %s is locked with a passphrase, not a key file", dir), ErrWrongKey}
		case errors.Is(err, casekey.ErrWrongSecret) && kf.Mode == casekey.ModeKeyFile:
			return nil, keyErr{fmt.Sprintf("wrong key file for case %s", dir), ErrWrongKey}
		case errors.Is(err, casekey.ErrWrongSecret):
			return nil, keyErr{fmt.Sprintf("wrong passphrase for case %s", dir), ErrWrongKey}
		case err != nil:
			return nil, fmt.Errorf("case %s: %w", dir, err)
		}
		return key, nil
	case exists && opt.Encrypt:
		return nil, keyErr{fmt.Sprintf("case %s exists and is not encrypted: Badger cannot encrypt a case in place; create a new encrypted case in another directory", dir), ErrNotEncrypted}
	case exists && opt.Key.Given():
		return nil, keyErr{fmt.Sprintf("case %s is not encrypted: it opens without a passphrase or key file", dir), ErrNotEncrypted}
	case opt.Encrypt:
		key, err := casekey.Create(abs, opt.Key)
		if err != nil {
			return nil, fmt.Errorf("encrypt new case %s: %w", dir, err)
		}
		return key, nil
	case opt.Key.Given():
		return nil, keyErr{fmt.Sprintf("case %s is new and would not be encrypted: a passphrase or key file only makes sense with encryption", dir), ErrNotEncrypted}
	}
	return nil, nil
}

// KeyMode is casekey.ModePassphrase or casekey.ModeKeyFile for an encrypted
// case, "" for a plain one.
func KeyMode(dir string) (string, error) {
	kf, err := casekey.Read(dir)
	if kf == nil || err != nil {
		return "", err
	}
	return kf.Mode, nil
}
