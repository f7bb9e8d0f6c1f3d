package store

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
)

// ScanChunks reads the records under prefix in key order on several
// goroutines, for listings that one goroutine reads too slowly (a value
// log read and a decode per record). A pass over the keys alone, which
// reads no value, splits them into chunks of chunkRows records; claim is
// called on that pass's goroutine for each chunk, in key order, and
// returns the chunk's state. It may block: that is how a caller bounds the
// chunks in flight. One of workers goroutines then reads the chunk's
// records in key order, calling read(state, k, v) for each (k and v are
// only valid during the call), and finally finish(state, err) with the
// first error met in the chunk, nil when every record was read. Chunks are
// read concurrently; finish is called once for every claimed chunk, before
// ScanChunks returns. claim's error ends the scan and is returned. Every
// chunk reads the same snapshot of the case.
func ScanChunks[C any](s *Store, prefix string, chunkRows, workers int,
	claim func() (C, error), read func(c C, k, v []byte) error, finish func(c C, err error)) error {
	chunkRows, workers = max(1, chunkRows), max(1, workers)
	err := s.db.View(func(txn *badger.Txn) error {
		type job struct {
			state C
			first []byte // the chunk's first key
			n     int
		}
		jobs := make(chan job, workers)
		var readers sync.WaitGroup
		for range workers {
			readers.Go(func() {
				opt := badger.DefaultIteratorOptions
				opt.Prefix = []byte(prefix)
				// Values are read where they lie (a value log map), without
				// a goroutine and a copy per record: the workers are the
				// read-ahead.
				opt.PrefetchValues = false
				it := txn.NewIterator(opt)
				defer it.Close()
				for j := range jobs {
					err := readChunk(it, opt.Prefix, j.first, j.n, func(k, v []byte) error { return read(j.state, k, v) })
					if err != nil {
						err = fmt.Errorf("scan %s: %w", prefix, err)
					}
					finish(j.state, err)
				}
			})
		}
		err := splitKeys(txn, []byte(prefix), chunkRows, func(first []byte, n int) error {
			s.maybeRelease() // the values read so far need not stay resident
			c, err := claim()
			if err != nil {
				return err
			}
			jobs <- job{state: c, first: first, n: n}
			return nil
		})
		close(jobs)
		readers.Wait()
		return err
	})
	return err
}

// splitKeys calls chunk with the first key and the number of records of
// each run of up to n keys under prefix, in key order.
func splitKeys(txn *badger.Txn, prefix []byte, n int, chunk func(first []byte, n int) error) error {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = prefix
	opt.PrefetchValues = false
	it := txn.NewIterator(opt)
	defer it.Close()
	var first []byte
	count := 0
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if count == 0 {
			first = it.Item().KeyCopy(nil)
		}
		if count++; count == n {
			if err := chunk(first, count); err != nil {
				return err
			}
			count = 0
		}
	}
	if count > 0 {
		return chunk(first, count)
	}
	return nil
}

// errChunkShort means a chunk found fewer records than the key pass
// counted: the snapshot both read changed, which it cannot.
var errChunkShort = errors.New("fewer records than the key pass counted")

// readChunk reads the n records from first on with it.
func readChunk(it *badger.Iterator, prefix, first []byte, n int, read func(k, v []byte) error) error {
	it.Seek(first)
	if it.ValidForPrefix(prefix) && !bytes.Equal(it.Item().Key(), first) {
		return fmt.Errorf("at %s: the chunk's first key is gone", printableKey(first))
	}
	for range n {
		if !it.ValidForPrefix(prefix) {
			return fmt.Errorf("chunk at %s: %w", printableKey(first), errChunkShort)
		}
		item := it.Item()
		k := item.Key()
		if err := item.Value(func(v []byte) error { return read(k, v) }); err != nil {
			return fmt.Errorf("at %s: %w", printableKey(k), err)
		}
		it.Next()
	}
	return nil
}

// EachOccurrenceChunk is ScanChunks over the occurrences (of one evidence
// item when evidence is not empty), decoded: each gets a chunk's places in
// key order, the order EachOccurrence gives.
func EachOccurrenceChunk[C any](s *Store, evidence string, chunkRows, workers int,
	claim func() (C, error), each func(c C, o Occurrence) error, finish func(c C, err error)) error {
	return ScanChunks(s, occurrencePrefix(evidence), chunkRows, workers, claim, func(c C, _, v []byte) error {
		var o Occurrence // by value: a place is not a heap object of its own
		if err := decodeOccurrence(v, &o); err != nil {
			return err
		}
		return each(c, o)
	}, finish)
}

// EachMediaChunk is ScanChunks over the media records, decoded, in
// SHA-256 order within each chunk.
func EachMediaChunk[C any](s *Store, chunkRows, workers int,
	claim func() (C, error), each func(c C, m Media) error, finish func(c C, err error)) error {
	return ScanChunks(s, "m/", chunkRows, workers, claim, func(c C, _, v []byte) error {
		var m Media
		if err := decodeMedia(v, &m); err != nil {
			return err
		}
		return each(c, m)
	}, finish)
}
