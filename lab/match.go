package lab

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"scrim/categorize"
	"scrim/store"
)

// MatchOptions tune MatchCase.
type MatchOptions struct {
	// NoNear skips near-duplicate matching (which reads every library
	// record with picture hashes).
	NoNear bool
}

// MatchStats are MatchCase's timings and counts.
type MatchStats struct {
	Media     int           `json:"media"`
	ExactHits int           `json:"exact_hits"`
	NearHits  int           `json:"near_hits"`
	NearRead  int           `json:"near_records_read"`
	ExactTime time.Duration `json:"exact_ns"` // digests, join and cross-check
	CopyTime  time.Duration `json:"copy_ns"`  // of which reading the case's digests (once their COPY)
	NearTime  time.Duration `json:"near_ns"`
	// NearJoin is the near pass's time in the join (neardup.Join), which
	// overlaps the database's reading of the next batch.
	NearJoin  time.Duration `json:"near_join_ns"`
	CheckTime time.Duration `json:"check_ns"` // of ExactTime, the MD5/SHA-1 cross-check in the case store
	ApplyTime time.Duration `json:"apply_ns"`
	TotalTime time.Duration `json:"total_ns"`
	categorize.LabApplied
}

// MatchCase matches a case's media against the library and applies the
// hits (categorize.Engine.ApplyLab). Exact: the case's SHA-256s are
// joined once with the library (ExactQuery); a record whose MD5 or SHA-1
// differs from the case's is a conflict. Near: every record in force with
// picture hashes is streamed in batches, each joined with the case's
// pictures (LabNear.MatchBatch). The case's own records never match it.
func MatchCase(ctx context.Context, l *Lab, eng *categorize.Engine, st *store.Store, opt MatchOptions) (MatchStats, error) {
	var ms MatchStats
	t0 := time.Now()
	uid, err := st.CaseUID()
	if err != nil {
		return ms, err
	}
	hits, n, err := l.exact(ctx, st, uid, &ms.CopyTime, &ms.CheckTime)
	if err != nil {
		return ms, err
	}
	ms.Media, ms.ExactHits, ms.ExactTime = n, len(hits), time.Since(t0)
	if !opt.NoNear {
		t1 := time.Now()
		near, read, err := l.near(ctx, eng, uid, &ms.NearJoin)
		if err != nil {
			return ms, err
		}
		hits = append(hits, near...)
		ms.NearHits, ms.NearRead, ms.NearTime = len(near), read, time.Since(t1)
	}
	t2 := time.Now()
	ms.LabApplied, err = eng.ApplyLab(ctx, l.url, hits)
	ms.ApplyTime, ms.TotalTime = time.Since(t2), time.Since(t0)
	return ms, err
}

// matchSettings tunes the match's transaction (settings any role may
// change, for this transaction only). EXPLAIN ANALYZE at 1 M media × 10 M
// records on the server's defaults: JIT compiled the join's expressions
// for 3.9 s of its 27 s, and 4 MB of work_mem split the hash join into 16
// batches and sorted the hits on disk.
func matchSettings(ctx context.Context, tx pgx.Tx) error {
	for _, set := range []string{`SET LOCAL jit = off`, `SET LOCAL work_mem = '256MB'`} {
		if _, err := tx.Exec(ctx, set); err != nil {
			return fmt.Errorf("%s: %w", set, err)
		}
	}
	return nil
}

// ExactQuery finds the records in force ($1: the case's own UID, never
// matched) with one of the SHA-256s in $2, per media, case and examiner
// the latest. The digests go as one array parameter, not COPY into a
// temporary table: a plan that reads a temporary table cannot run in
// parallel workers, so the 10 M-record scan ran in one process (COPY + join
// 43 s against the bare parallel join's 20.5 s at 1 M × 10 M).
const ExactQuery = `SELECT DISTINCT ON (l.sha256, l.case_uid, l.examiner)
	l.id, l.sha256, l.md5, l.sha1, l.category, l.scheme, l.examiner, l.case_number, l.case_uid
	FROM unnest($2::text[]) AS c(sha256) JOIN library l ON l.sha256 = c.sha256
	WHERE l.case_uid <> $1 AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.record_id = l.id)
	ORDER BY l.sha256, l.case_uid, l.examiner, l.decided_at DESC`

// exact returns the library records in force with a case media's SHA-256.
func (l *Lab) exact(ctx context.Context, st *store.Store, uid string, copyTime, checkTime *time.Duration) ([]categorize.LabHit, int, error) {
	var hits []categorize.LabHit
	n := 0
	err := pgx.BeginTxFunc(ctx, l.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		if err := matchSettings(ctx, tx); err != nil {
			return err
		}
		t0 := time.Now()
		shas, err := caseDigests(st)
		if err != nil {
			return err
		}
		n = len(shas)
		*copyTime = time.Since(t0)
		rows, err := tx.Query(ctx, ExactQuery, uid, shas)
		if err != nil {
			return err
		}
		hits, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (categorize.LabHit, error) {
			var h categorize.LabHit
			var ex, num, cuid string
			err := row.Scan(&h.Record, &h.Media, &h.MD5, &h.SHA1, &h.Category, &h.Scheme, &ex, &num, &cuid)
			h.Source, h.Distance = caseName(num, cuid)+"/"+ex, -1
			return h, err
		})
		return err
	})
	if err != nil {
		return nil, n, fmt.Errorf("lab %s: match the case's media: %w", l.url, explain(err))
	}
	t0 := time.Now()
	err = crossCheck(st, hits)
	*checkTime = time.Since(t0)
	return hits, n, err
}

// crossCheck compares the MD5 and SHA-1 of each exact hit with the case's
// own: the same SHA-256 with another MD5 or SHA-1 is a conflict, never a
// match. Only the hits' media are read.
func crossCheck(st *store.Store, hits []categorize.LabHit) error {
	for len(hits) > 0 {
		chunk := hits[:min(len(hits), 10000)]
		hits = hits[len(chunk):]
		shas := make([]string, len(chunk))
		for i, h := range chunk {
			shas[i] = h.Media
		}
		ms, err := st.MediaAndCategories(shas)
		if err != nil {
			return err
		}
		for i := range chunk {
			h := &chunk[i]
			m := ms[h.Media].Media
			switch {
			case h.MD5 != "" && m.MD5 != "" && h.MD5 != m.MD5:
				h.Mismatch = "MD5 (case " + m.MD5 + ", library " + h.MD5 + ")"
			case h.SHA1 != "" && m.SHA1 != "" && h.SHA1 != m.SHA1:
				h.Mismatch = "SHA-1 (case " + m.SHA1 + ", library " + h.SHA1 + ")"
			}
		}
	}
	return nil
}

// nearBatch is how many records the near pass joins at once: each batch
// costs the join a few hundred sweeps over the case's pictures, so fewer,
// larger batches are faster, while memory holds at most three (one read,
// one queued, one joined; ~300 MB at most).
const nearBatch = 1 << 19

// near streams the records in force that carry picture hashes past the
// case's picture index, on every core: the database decodes rows while
// the workers query the index.
func (l *Lab) near(ctx context.Context, eng *categorize.Engine, uid string, joinTime *time.Duration) ([]categorize.LabHit, int, error) {
	idx, err := eng.NearLab()
	if err != nil {
		return nil, 0, err
	}
	if idx.Len() == 0 {
		return nil, 0, nil
	}
	type rec struct {
		id, sha, cat, scheme, ex, num, cuid string
		p, d                                int64
		at                                  time.Time
	}
	type cand struct {
		hit categorize.LabHit
		key string // library SHA-256, case and examiner
		at  time.Time
	}
	// The reader decodes rows into batches while the previous batch is
	// joined with the case's pictures (LabNear.MatchBatch, on every core).
	batches := make(chan []rec, 1)
	var all []cand
	done := make(chan struct{})
	go func() {
		defer close(done)
		var p, d []uint64
		var skip []string
		for b := range batches {
			p, d, skip = p[:0], d[:0], skip[:0]
			for _, r := range b {
				p, d, skip = append(p, uint64(r.p)), append(d, uint64(r.d)), append(skip, r.sha)
			}
			t0 := time.Now()
			idx.MatchBatch(p, d, skip, func(i int, media string, dist int) {
				r := &b[i]
				all = append(all, cand{categorize.LabHit{Media: media, Record: r.id, Source: caseName(r.num, r.cuid) + "/" + r.ex,
					Category: r.cat, Scheme: r.scheme, Distance: dist}, r.sha + "\x00" + r.cuid + "\x00" + r.ex, r.at})
			})
			*joinTime += time.Since(t0)
		}
	}()
	read := 0
	err = pgx.BeginTxFunc(ctx, l.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := matchSettings(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT l.id, l.sha256, l.phash, l.dhash, l.category, l.scheme, l.examiner,
			l.case_number, l.case_uid, l.decided_at
			FROM library l WHERE l.phash IS NOT NULL AND l.case_uid <> $1
			AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.record_id = l.id)`, uid)
		if err != nil {
			return err
		}
		defer rows.Close()
		b := make([]rec, 0, nearBatch)
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.sha, &r.p, &r.d, &r.cat, &r.scheme, &r.ex, &r.num, &r.cuid, &r.at); err != nil {
				return err
			}
			read++
			if b = append(b, r); len(b) == cap(b) {
				batches <- b
				b = make([]rec, 0, nearBatch)
			}
		}
		if len(b) > 0 {
			batches <- b
		}
		return rows.Err()
	})
	close(batches)
	<-done
	if err != nil {
		return nil, read, fmt.Errorf("lab %s: read picture hashes: %w", l.url, explain(err))
	}
	// Only each case's and examiner's latest record per media counts (an
	// undo shows the one before); every record of a media has its hashes,
	// so they all match alike.
	latest := map[string]time.Time{}
	for _, c := range all {
		if c.at.After(latest[c.key]) {
			latest[c.key] = c.at
		}
	}
	var hits []categorize.LabHit
	for _, c := range all {
		if c.at.Equal(latest[c.key]) {
			hits = append(hits, c.hit)
		}
	}
	return hits, read, nil
}

// caseDigests lists every media's SHA-256, from the keys alone.
func caseDigests(st *store.Store) ([]string, error) {
	var shas []string
	err := st.ScanKeys("m/", func(k []byte) error {
		shas = append(shas, string(k[2:]))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the case's media: %w", err)
	}
	return shas, nil
}
