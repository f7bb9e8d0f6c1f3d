package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"scrim/internal/benchrow"
	"scrim/store/casekey"
)

// BenchmarkBatchAdd writes file records (media, indexes, occurrence, a 12 kB
// thumbnail) and reports files/s beside a raw Badger WriteBatch of the same
// keys and values in the same run: the price of per-file atomicity.
func BenchmarkBatchAdd(b *testing.B) {
	row := benchrow.Start("store/batch-add")
	const n = 50000
	thumb := make([]byte, 12<<10)
	recs := make([]FileRecord, n)
	for i := range recs {
		m := media(i, "picture")
		recs[i] = FileRecord{Occurrence: occ("EX1", fmt.Sprintf("/DCIM/%06d.jpg", i), m), Media: m, Thumb: thumb}
	}
	for range b.N {
		st, err := Open(filepath.Join(b.TempDir(), "case"), Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		batch := st.NewBatch()
		for _, r := range recs {
			if _, err := batch.Add(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Flush(); err != nil {
			b.Fatal(err)
		}
		ours := time.Since(start)
		st.Close()

		db, err := badger.Open(badger.DefaultOptions(filepath.Join(b.TempDir(), "raw")).WithLogger(nil).
			WithMemTableSize(32 << 20).WithValueThreshold(1 << 10))
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		wb := db.NewWriteBatch()
		for _, r := range recs {
			// What Add writes for a new media's first place: the media
			// value holding the place, the thumbnail, the place.
			key := OccurrenceKey(r.Occurrence)
			vals := encodeFile(r)
			for _, e := range []struct{ k, v []byte }{{keyMedia(r.Media.SHA256), mediaValue(key, vals.media)}, {keyThumb(r.Media.SHA256), vals.thumb}, {keyWhere(key), vals.place}} {
				if err := wb.Set(e.k, e.v); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := wb.Flush(); err != nil {
			b.Fatal(err)
		}
		raw := time.Since(start)
		db.Close()
		b.ReportMetric(n/ours.Seconds(), "files/s")
		b.ReportMetric(n/raw.Seconds(), "raw-writebatch-files/s")
		b.ReportMetric(raw.Seconds()/ours.Seconds(), "ratio-vs-raw")
		row.Log(b, fmt.Sprintf("store: %d file records (media, indexes, occurrence, 12 kB thumbnail) in one batch", n),
			benchrow.Rate(n/ours.Seconds(), "files/s"), "a raw Badger WriteBatch of the same keys and values "+benchrow.Rate(n/raw.Seconds(), "files/s"), raw.Seconds()/ours.Seconds())
	}
}

// BenchmarkBatchAddEncrypted writes the same records into a plain and an
// encrypted case in the same run: the price of encryption at rest (the
// argon2id derivation at open is outside the timing).
func BenchmarkBatchAddEncrypted(b *testing.B) {
	row := benchrow.Start("store/batch-add-encrypted")
	const n = 20000
	thumb := make([]byte, 12<<10)
	recs := make([]FileRecord, n)
	for i := range recs {
		m := media(i, "picture")
		recs[i] = FileRecord{Occurrence: occ("EX1", fmt.Sprintf("/DCIM/%06d.jpg", i), m), Media: m, Thumb: thumb}
	}
	write := func(opt Options) time.Duration {
		opt.Create = true
		st, err := Open(filepath.Join(b.TempDir(), "case"), opt)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		batch := st.NewBatch()
		for _, r := range recs {
			if _, err := batch.Add(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for range b.N {
		plain := write(Options{})
		enc := write(Options{Encrypt: true, Key: casekey.Secret{Passphrase: "benchmark passphrase"}})
		b.ReportMetric(n/plain.Seconds(), "plain-files/s")
		b.ReportMetric(n/enc.Seconds(), "encrypted-files/s")
		b.ReportMetric(enc.Seconds()/plain.Seconds()-1, "encryption-cost")
		row.Log(b, fmt.Sprintf("store: %d file records into an encrypted case (AES at rest)", n), benchrow.Rate(n/enc.Seconds(), "files/s"),
			"the same records into a plain case "+benchrow.Rate(n/plain.Seconds(), "files/s"), plain.Seconds()/enc.Seconds())
	}
}
