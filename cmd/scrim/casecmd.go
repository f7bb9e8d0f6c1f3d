package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"scrim/store"
	"scrim/store/casekey"
)

// caseRef is a command's --case and how to unlock it when it is encrypted.
// Every command that opens a case takes it from caseFlags, so each accepts
// the same key options.
type caseRef struct {
	dir       string
	passStdin bool
	passFlag  string
	keyFile   string
	// encrypt makes a new case encrypted (scrim ingest --encrypt).
	encrypt bool
	stdin   io.Reader
	pass    string // read once from stdin
}

// caseFlags registers --case, --passphrase-stdin and --key-file.
func (fs *cmdFlags) caseFlags(usage string) *caseRef {
	return fs.caseFlagsNamed(usage, "passphrase-stdin")
}

// caseFlagsNamed lets a command whose --passphrase-stdin means something
// else (the court package) name the case's passphrase flag differently.
func (fs *cmdFlags) caseFlagsNamed(usage, passFlag string) *caseRef {
	c := &caseRef{passFlag: passFlag, stdin: os.Stdin}
	fs.StringVar(&c.dir, "case", "", usage)
	fs.BoolVar(&c.passStdin, passFlag, false, "the case is encrypted: read its passphrase from a line of stdin")
	fs.StringVar(&c.keyFile, "key-file", "", "the case is encrypted with a key file: read its key from FILE")
	return c
}

// readKey reads the case passphrase from stdin, once; commands that read
// more from stdin call it first, so the passphrase is always its first line.
func (c *caseRef) readKey() error {
	if !c.passStdin || c.pass != "" {
		return nil
	}
	if c.keyFile != "" {
		return usageErr("give --%s or --key-file, not both", c.passFlag)
	}
	p, err := readPassphrase(c.stdin)
	if err != nil {
		return err
	}
	c.pass = p
	return nil
}

// openCase opens an existing case, or creates it when create is set, and
// turns the store's errors into sentences.
func openCase(c *caseRef, create, verbose bool) (*store.Store, error) {
	if c.dir == "" {
		return nil, usageErr("--case CASEDIR is required")
	}
	if err := c.readKey(); err != nil {
		return nil, err
	}
	if c.encrypt && c.pass == "" && c.keyFile == "" {
		return nil, usageErr("--encrypt needs the case key: --%s (passphrase on stdin) or --key-file FILE", c.passFlag)
	}
	opt := store.Options{Create: create, Encrypt: c.encrypt, Key: casekey.Secret{Passphrase: c.pass, KeyFile: c.keyFile}}
	if verbose {
		opt.Log = os.Stderr
	}
	st, err := store.Open(c.dir, opt)
	switch {
	case errors.Is(err, store.ErrNoCase):
		return nil, fmt.Errorf("no case at %s (scrim ingest --case %s PATH creates one)", c.dir, c.dir)
	case errors.Is(err, store.ErrLocked):
		return nil, fmt.Errorf("case %s is open in another scrim process; wait for it or close it", c.dir)
	case errors.Is(err, store.ErrEncrypted) && !c.passStdin && c.keyFile == "":
		return nil, fmt.Errorf("case %s is encrypted: give its passphrase on stdin (--%s) or --key-file FILE", c.dir, c.passFlag)
	}
	return st, err
}
