// Package store is the case store: one Badger database per case directory.
//
// Key layout (every kind of record under its own prefix, so range scans stay cheap):
//
//	meta/<name>                        case facts (format version, hash pipeline)
//	e/<evidenceID>                     Evidence
//	ep/<absolute source path>          evidence ID, to find an item again on re-ingest
//	m/<sha256>                         Media: facts derived from the bytes alone, after the
//	                                   key of the first place it was found (firstplace.go)
//	t/<sha256>                         thumbnail JPEG (unblurred; blur is applied when shown)
//	i/md5/<md5>, i/sha1/<sha1>         sha256; only in cases written before 2026-12-04: hash-set
//	                                   matching reads the digests from the media records, and
//	                                   two more scattered keys per media were a quarter of an
//	                                   ingest's store writes
//	w/<occurrence key>                 Occurrence: one place a file was found
//	                                   (Media and Occurrence records are binary from
//	                                   format 4 on, JSON before: occurrence_binary.go)
//	o/<sha256>/<occurrence key>        empty; lists the other places of one media
//	c/<sha256>                         current category assignment (written by categorization)
//	np/<sha256>, cnt/...               counters kept as the case is written (counters.go)
//
// Media records hold only what follows from the bytes, and are written once,
// by the file that first brings the content (its place goes in front): a
// re-ingest or resume finds the record and writes none.
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"scrim/store/casekey"
)

// FormatVersion is bumped when the key layout or record encoding changes.
// Format 2 keeps a media's first place in front of its record
// (firstplace.go); format 3 leaves out the np/ record of an unreviewed
// media found only there (placecounts.go); format 4 writes place and media
// records in a binary encoding (occurrence_binary.go, media_binary.go)
// instead of JSON. An older case is read as it is and marked 4 when
// opened, so that an older Scrim refuses it once it may hold such records.
const FormatVersion = "4"

var (
	// ErrNoCase means the directory holds no case.
	ErrNoCase = errors.New("no case here")
	// ErrLocked means another process has the case open.
	ErrLocked = errors.New("case is in use by another scrim process")
	// ErrEncrypted means the case is encrypted and no key was given.
	ErrEncrypted = errors.New("case is encrypted")
	// ErrWrongKey means the passphrase or key file does not open the case.
	ErrWrongKey = errors.New("wrong case key")
	// ErrNotEncrypted means a key was given for a case that has none.
	ErrNotEncrypted = errors.New("case is not encrypted")
)

// Options tune a Store. The zero value is right for the CLI.
type Options struct {
	// Create makes the case directory when it does not exist yet.
	Create bool
	// Log receives Badger's warnings and errors; nil keeps them quiet.
	Log io.Writer
	// Encrypt makes a new case encrypted at rest with Key (Badger's AES-256).
	Encrypt bool
	// Key opens an encrypted case, or locks a new one with Encrypt.
	Key casekey.Secret
	// MinFree is the least free space (bytes) commits leave on the case's
	// disk (diskspace.go); 0 means 1 GiB.
	MinFree int64
}

// Store is one open case.
type Store struct {
	db       *badger.DB
	dir      string
	audit    *AuditChain
	media    mediaFilter // which contents are certainly not in the case yet
	counters counterState
	fresh    freshPlaces // evidence items on their first run (freshplaces.go)
	resident residency   // mapped pages handed back (residency.go)
	space    spaceGuard  // free space kept on the case's disk (diskspace.go)
	// encrypted: the case is encrypted at rest, so nothing of it may be
	// written in the clear beside the store.
	encrypted bool
}

// memTableSize is the size of each of Badger's two memtables.
const memTableSize = 32 << 20

// baseLevelSize is the size of the level that level 0 merges into, and
// baseTableSize the size of its tables.
const (
	baseLevelSize = 1 << 30
	baseTableSize = 16 << 20
)

// Open opens the case in dir. Memory is sized for a 1 GiB process budget:
// Badger's defaults alone would take 1.5 GB on a large case.
func Open(dir string, opt Options) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", dir, err)
	}
	if !opt.Create {
		if _, err := os.Stat(filepath.Join(abs, "MANIFEST")); err != nil {
			return nil, fmt.Errorf("case %s: %w", dir, ErrNoCase)
		}
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create case %s: %w", dir, err)
	}
	key, err := caseKey(abs, dir, opt)
	if err != nil {
		return nil, err
	}
	bo := badger.DefaultOptions(abs).
		WithLogger(quietLogger{w: opt.Log}).
		WithMemTableSize(memTableSize).
		WithNumMemtables(2).
		// Level 0 gathers 16 memtables before they are merged down: the
		// hash-keyed records of an ingest land all over the key space, so
		// each merge rewrites the whole level below, and merging 3 at a time
		// made compaction most of a million-file ingest (177 → 76 CPU s).
		// Measured and left (1 M small files, 2026-12-04): 8 MiB memtables
		// with 16 tables here cost more compaction (73 → 85 CPU s); with 64
		// tables an ingest never compacted (73 → 60 CPU s, 339 → 188 MiB)
		// but left 59 tables in level 0, which made `scrim files` 2-4x
		// slower, and compacting them on close (CompactL0OnClose) cost the
		// saving back (75 CPU s). Again on 2026-12-06 (1 M small files,
		// warm): 4 MiB memtables with 128 tables halved the skiplist's
		// insert time (6.7 → 3.5 CPU s: a smaller list misses the cache
		// less) and cut peak RSS (354-368 → 205-288 MiB), but flushing
		// took 1.1 s more, the wall time did not move beyond the runs'
		// spread, and the case was left with 87 tables in level 0: `scrim
		// files` 3.6x slower (11.5-12.2 → 42.5-43.8 s).
		WithNumLevelZeroTables(16).
		WithNumLevelZeroTablesStall(32).
		// Level 0 merges into the last level until it holds 1 GiB, then
		// into a level of 1 GiB above it. Badger's 10 MB made three small
		// levels above the last one, and with hash-scattered keys every
		// byte was rewritten on its way through each. Tables of 16 MiB
		// instead of 2: the same merges wrote 1,350 tables, and an
		// ingest's lookups touched every one of them between two trims
		// (residency.go), 1 GB resident. 10 M small files, cold: 50.4 →
		// 29.1 GB written, 807 → 607 s, peak RSS 941 → 946 MB. Badger
		// never lowers a level's target below this size, so the levels an
		// older case already has stay where they are: nothing is merged
		// on opening it.
		WithBaseLevelSize(baseLevelSize).
		WithBaseTableSize(baseTableSize).
		WithBlockCacheSize(32 << 20).
		WithIndexCacheSize(16 << 20).
		// Records over 100 bytes (media, places, thumbnails) go to the
		// value log, so the LSM tree holds keys and pointers: its tables,
		// memtables and merges shrink (200 k small files: 684 → 587 MiB
		// peak RSS, 20.7 → 18.0 CPU s). Measured and left (2026-12-06, 1 M
		// small files, warm, two rounds): every value kept in the tree
		// (a threshold of 1,000) took 25.0-25.9 s against 22.3-24.6 s
		// and peaked at 586-600 MiB against 402-457.
		WithValueThreshold(100).
		WithValueLogFileSize(64 << 20).
		WithDetectConflicts(false). // one writer per case: the lock guarantees it
		WithNumCompactors(2).
		// Tables are not compressed: they hold keys (hex digests, paths)
		// and value pointers, and without compression (or encryption)
		// Badger reads blocks straight from the mapped tables, with no
		// block cache to fill (200 k small files, same runs: 19.0 ->
		// 16.2 CPU s, peak RSS 368 -> 245 MiB; the case 173 -> 205 MB).
		// Each table records its own compression in the MANIFEST, so
		// cases written with Snappy tables read as before.
		WithCompression(options.None).
		// Badger's metrics are process-wide expvar maps behind a lock,
		// updated on every get, bloom check and put; nothing here reads
		// them, and they were a tenth of `scrim files`' CPU.
		WithMetricsEnabled(false)
	if key != nil {
		// The block and index caches above stay non-zero: Badger needs
		// both with encryption.
		bo = bo.WithEncryptionKey(key)
	}
	readOpenRanges(abs)
	db, err := badger.Open(bo)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("case %s: %w", dir, ErrLocked)
		}
		if key == nil && errors.Is(err, badger.ErrEncryptionKeyMismatch) {
			return nil, keyErr{fmt.Sprintf("case %s is encrypted but its key file %s is missing: restore it from a backup", dir, casekey.FileName), ErrEncrypted}
		}
		return nil, fmt.Errorf("open case %s: %w", dir, err)
	}
	s := &Store{db: db, dir: abs, audit: newCaseAudit(), encrypted: key != nil}
	s.space.minFree = cmp.Or(opt.MinFree, minFreeDefault)
	if err := s.initMeta(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.ensureCounters(); err != nil {
		db.Close()
		return nil, fmt.Errorf("case %s: %w", dir, err)
	}
	return s, nil
}

// Dir is the case directory.
func (s *Store) Dir() string { return s.dir }

// Encrypted tells whether the case is encrypted at rest.
func (s *Store) Encrypted() bool { return s.encrypted }

// Close flushes and closes the case.
func (s *Store) Close() error { return s.CloseContext(context.Background()) }

// CloseContext closes the case; a process that wrote waits for the merges
// its writes owe (settleCompactions) until ctx is done: an interrupted
// ingest closes at once and leaves them to the next process that opens the
// case, as a killed one does.
func (s *Store) CloseContext(ctx context.Context) error {
	s.stopTicking() // settling and closing trim on their own
	// Merges write before they delete: not on a disk a commit found full.
	if s.wrote() && !s.space.low.Load() {
		s.settleCompactions(ctx, settleLimit)
	}
	stop := s.trimWhileClosing()
	defer stop()
	folded := s.foldOnClose()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close case %s: %w", s.dir, err)
	}
	if folded != nil {
		return fmt.Errorf("close case %s: %w", s.dir, folded)
	}
	return nil
}

// foldOnClose folds the counter deltas a process that wrote leaves, one
// per transaction: the next `scrim stats` then reads one record instead
// of thousands from the value log (10 M places: 8.6 s for the first stats
// after the ingest, 2,500 deltas read from the disk). They are counted by
// their keys: each value lies in its own stretch of a value log the trims
// have paged out, and the fold reads every one of them once already.
func (s *Store) foldOnClose() error {
	if !s.wrote() {
		return nil
	}
	deltas := 0
	if err := s.ScanKeys(counterDeltas, func([]byte) error { deltas++; return ErrStop }); err != nil || deltas == 0 {
		return err
	}
	return s.foldCounters()
}

func (s *Store) initMeta() error {
	v, err := s.Meta("format")
	if err != nil {
		return err
	}
	switch v {
	case "", "1", "2", "3":
		return s.SetMeta("format", FormatVersion)
	case FormatVersion:
		return nil
	default:
		return fmt.Errorf("case %s has store format %s; this scrim reads format %s", s.dir, v, FormatVersion)
	}
}

// Meta returns a case fact, "" when unset.
func (s *Store) Meta(name string) (string, error) {
	var out string
	err := s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte("meta/" + name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { out = string(v); return nil })
	})
	if err != nil {
		return "", fmt.Errorf("read case fact %s: %w", name, err)
	}
	return out, nil
}

// SetMeta records a case fact.
func (s *Store) SetMeta(name, value string) error {
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte("meta/"+name), []byte(value))
	})
	if err != nil {
		return fmt.Errorf("write case fact %s: %w", name, err)
	}
	return nil
}

// quietLogger routes Badger's chatter: info and debug are dropped, warnings
// and errors go to w when the user asked for them.
type quietLogger struct{ w io.Writer }

func (l quietLogger) Errorf(f string, a ...any)   { l.printf("badger error: "+f, a...) }
func (l quietLogger) Warningf(f string, a ...any) { l.printf("badger warning: "+f, a...) }
func (l quietLogger) Infof(string, ...any)        {}
func (l quietLogger) Debugf(string, ...any)       {}
func (l quietLogger) printf(f string, a ...any) {
	if l.w != nil {
		fmt.Fprintf(l.w, strings.TrimRight(f, "\n")+"\n", a...)
	}
}
