package lab_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"scrim/categorize"
	"scrim/internal/benchrow"
	"scrim/lab"
	"scrim/store"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchDigest is the digest PostgreSQL's sha256(int8send(i)) gives.
func benchDigest(i int64) (sha, md string) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	s, m := sha256.Sum256(b[:]), md5.Sum(b[:])
	return hex.EncodeToString(s[:]), hex.EncodeToString(m[:])
}

// BenchmarkLibraryMatch (6b): a case of SCRIM_BENCH_LAB_MEDIA media
// (default 20 k; 1 M for the target) against a library of
// SCRIM_BENCH_LAB_RECORDS records (default 200 k; 10 M for the target),
// generated in the server with generate_series. A tenth of the case's
// media are in the library; a tenth of the records carry picture hashes.
// Prints lab.MatchCase's time (COPY + one join, the near-duplicate stream,
// writing the matches) beside the bare join counted in SQL over the same
// digests (COPY into a table, SELECT count(*) ... JOIN).
// SCRIM_BENCH_LAB_NEAR=0 leaves the near-duplicate pass out;
// SCRIM_BENCH_LAB_EXPLAIN=1 prints the join's plan.
func BenchmarkLibraryMatch(b *testing.B) {
	nRec, nMedia := envInt("SCRIM_BENCH_LAB_RECORDS", 200_000), envInt("SCRIM_BENCH_LAB_MEDIA", 20_000)
	url := initLab(b)
	ctx := context.Background()
	admin := open(b, url)
	t0 := time.Now()
	for _, sql := range []string{
		`DROP INDEX library_sha256`,
		fmt.Sprintf(`INSERT INTO library (id, sha256, md5, sha1, phash, dhash, category, scheme, examiner, case_number, case_uid, decided_at, workstation)
			SELECT 'r' || i, encode(sha256(int8send(i)), 'hex'), md5(int8send(i)), '',
				CASE WHEN i %% 10 = 0 THEN ('x' || substr(md5(i::text), 1, 16))::bit(64)::bigint END,
				CASE WHEN i %% 10 = 0 THEN ('x' || substr(md5((-i)::text), 1, 16))::bit(64)::bigint END,
				(1 + i %% 5)::text, 'vic-us', 'ex' || (i %% 7), 'CASE-' || (i %% 1000), 'uid' || (i %% 1000), now(), 'ws'
			FROM generate_series(1, %d) AS i`, nRec),
		`CREATE INDEX library_sha256 ON library (sha256)`,
		`ANALYZE library`,
	} {
		if _, err := admin.Pool().Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("library of %d records generated in %s", nRec, time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	st, err := store.Open(filepath.Join(b.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	batch := st.NewBatch()
	step := int64(nRec / nMedia)
	var rows [][]any
	for i := int64(0); i < int64(nMedia); i++ {
		k := int64(nRec) + 1 + i // not in the library
		if i%10 == 0 {
			k = 1 + (i*step)%int64(nRec)
		}
		sha, md := benchDigest(k)
		m := store.Media{SHA256: sha, MD5: md, Kind: "picture", Type: "jpeg",
			PHash: fmt.Sprintf("%016x", uint64(k)*0x9e3779b97f4a7c15), DHash: fmt.Sprintf("%016x", uint64(k)*0xc2b2ae3d27d4eb4f)}
		if _, err := batch.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: "/" + sha, SHA256: sha}, Media: &m}); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, []any{sha})
	}
	if err := batch.Flush(); err != nil {
		b.Fatal(err)
	}
	sch, _ := categorize.SetCaseScheme(st, "vic-us")
	eng := categorize.NewEngine(st, sch)
	eng.SetLibrary("")
	b.Logf("case of %d media written in %s", nMedia, time.Since(t0).Round(time.Millisecond))

	// Baseline: the bare join, counted in the server.
	t0 = time.Now()
	if _, err := admin.Pool().Exec(ctx, `CREATE TABLE bench_media (sha256 text)`); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Pool().CopyFrom(ctx, pgx.Identifier{"bench_media"}, []string{"sha256"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	var joined int64
	if err := admin.Pool().QueryRow(ctx, `SELECT count(*) FROM bench_media c JOIN library l ON l.sha256 = c.sha256`).Scan(&joined); err != nil {
		b.Fatal(err)
	}
	base := time.Since(t0)
	if os.Getenv("SCRIM_BENCH_LAB_EXPLAIN") != "" { // the plan of the match's join, over the same digests
		if _, err := admin.Pool().Exec(ctx, `ANALYZE bench_media`); err != nil {
			b.Fatal(err)
		}
		rows, err := admin.Pool().Query(ctx, `EXPLAIN ANALYZE SELECT DISTINCT ON (l.sha256, l.case_uid, l.examiner)
			l.id, l.sha256, l.md5, l.sha1, l.category, l.scheme, l.examiner, l.case_number, l.case_uid
			FROM bench_media c JOIN library l ON l.sha256 = c.sha256
			WHERE l.case_uid <> 'x' AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.record_id = l.id)
			ORDER BY l.sha256, l.case_uid, l.examiner, l.decided_at DESC`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var line string
			rows.Scan(&line)
			fmt.Println(line)
		}
		rows.Close()
	}

	ws := open(b, workstationURL(b, url))
	row := benchrow.Start(fmt.Sprintf("lab/library-match/%s-media-%s-records", benchrow.Size(float64(nMedia)), benchrow.Size(float64(nRec))))
	b.ResetTimer()
	var ms lab.MatchStats
	for range b.N {
		if ms, err = lab.MatchCase(ctx, ws, eng, st, lab.MatchOptions{NoNear: os.Getenv("SCRIM_BENCH_LAB_NEAR") == "0"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if int64(ms.ExactHits) != joined {
		b.Fatalf("MatchCase found %d exact hits, the join %d", ms.ExactHits, joined)
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "s/match")
	fmt.Printf("BenchmarkLibraryMatch: %d media × %d records: match %.2f s (exact COPY+join %.2f s of which COPY %.2f s and MD5/SHA-1 check %.2f s, near %.2f s over %d records of which join %.2f s, apply %.2f s; %d exact, %d near) vs COPY + SELECT count(*) JOIN %.2f s (%d rows) = %.2f×\n",
		nMedia, nRec, per.Seconds(), ms.ExactTime.Seconds(), ms.CopyTime.Seconds(), ms.CheckTime.Seconds(), ms.NearTime.Seconds(), ms.NearRead, ms.NearJoin.Seconds(), ms.ApplyTime.Seconds(),
		ms.Exact, ms.Near, base.Seconds(), joined, per.Seconds()/base.Seconds())
	passes := "exact + near-duplicate + apply"
	if os.Getenv("SCRIM_BENCH_LAB_NEAR") == "0" {
		passes = "exact pass only"
	}
	row.Log(b, fmt.Sprintf("lab library on 127.0.0.1: match a %s-media case against %s records, %s (SCRIM_BENCH_LAB_RECORDS, SCRIM_BENCH_LAB_MEDIA)", benchrow.Count(float64(nMedia)), benchrow.Count(float64(nRec)), passes),
		fmt.Sprintf("%s (exact %s, near %s, apply %s; %d exact, %d near)", benchrow.Seconds(per), benchrow.Seconds(ms.ExactTime), benchrow.Seconds(ms.NearTime), benchrow.Seconds(ms.ApplyTime), ms.Exact, ms.Near),
		"`COPY` of the same SHA-256s + `SELECT count(*) … JOIN` "+benchrow.Seconds(base), base.Seconds()/per.Seconds())
}

// BenchmarkDecisionWithLab (6b): categorize-and-advance latency while a
// sender sends the case's outbox to the lab on 127.0.0.1 as fast as it
// can, beside the same decisions with no lab. Prints both p99s.
func BenchmarkDecisionWithLab(b *testing.B) {
	url := initLab(b)
	ws := open(b, workstationURL(b, url))
	n := envInt("SCRIM_BENCH_DECISIONS", 500)
	run := func(withLab bool) (p50, p99 time.Duration) {
		var ms []store.Media
		for i := range n {
			ms = append(ms, media(fmt.Sprint(withLab, i), 0, 0))
		}
		st, eng := newCase(b, filepath.Join(b.TempDir(), fmt.Sprint(withLab)), "vic-us", "D-1", ms...)
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
				if withLab {
					lab.SendCase(context.Background(), ws, st, "ws-bench")
				}
			}
		}()
		lat := make([]time.Duration, 0, n)
		for i, m := range ms {
			t := time.Now()
			if err := eng.Record(context.Background(), "dee", fmt.Sprint(1+i%5), []string{m.SHA256}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
		close(stop)
		<-done
		if withLab {
			if _, err := lab.SendCase(context.Background(), ws, st, "ws-bench"); err != nil {
				b.Fatal(err)
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return lat[n/2], lat[n*99/100]
	}
	row := benchrow.Start("lab/decision-with-lab")
	for range b.N {
		b50, b99 := run(false)
		l50, l99 := run(true)
		b.ReportMetric(l99.Seconds()*1000, "ms-p99")
		fmt.Printf("BenchmarkDecisionWithLab: %d decisions: p50 %.2f ms, p99 %.2f ms with the lab sender; without a lab p50 %.2f ms, p99 %.2f ms (%.2f×)\n",
			n, ms(l50), ms(l99), ms(b50), ms(b99), float64(l99)/float64(b99))
		row.Log(b, fmt.Sprintf("lab library: %d decisions while a background sender sends the outbox to the lab on 127.0.0.1", n),
			fmt.Sprintf("p50 %.2f ms, p99 %.2f ms", ms(l50), ms(l99)), fmt.Sprintf("the same decisions with no lab: p50 %.2f ms, p99 %.2f ms", ms(b50), ms(b99)), float64(b99)/float64(l99))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
