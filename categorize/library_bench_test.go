package categorize

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/hashlib"
	"scrim/internal/benchrow"
	"scrim/store"
)

// BenchmarkImportLibrary imports a 2 M-line MD5 list into a hash library
// in-process (for profiles; cmd/scrim's BenchmarkHashsetImport measures
// the binary at 10 M lines beside its baselines).
func BenchmarkImportLibrary(b *testing.B) {
	row := benchrow.Start("categorize/library/import-md5")
	const lines = 2_000_000
	dir := b.TempDir()
	list := filepath.Join(dir, "known.md5")
	f, err := os.Create(list)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	var buf [16]byte
	for range lines {
		binary.LittleEndian.PutUint64(buf[:8], r.Uint64())
		binary.LittleEndian.PutUint64(buf[8:], r.Uint64())
		fmt.Fprintf(w, "%x\n", buf)
	}
	w.Flush()
	f.Close()
	vic, _ := SchemeByID("vic-us")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lib := filepath.Join(dir, fmt.Sprint("lib", i))
		if _, _, err := ImportLibrary(context.Background(), lib, list, vic, ImportOptions{Format: "text", Category: "5", Name: "k"}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	row.Log(b, fmt.Sprintf("hash library import in process, %d MD5 lines", lines), benchrow.Rate(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s"),
		"— (the same list beside `sort -u`: cmd/scrim/hashset-import/library-md5)", 0)
}

// BenchmarkMatchLibrary matches a case of SCRIM_BENCH_MEDIA media (default
// 1 M) against a hash library of SCRIM_BENCH_KNOWN MD5 digests (default
// 100 M); 1 % of the media are in the library. The library is built through
// hashlib's import (external sort, spilled runs, merge) from generated
// digests; the case's media are written through the store's ingest batch
// (a real ingest of 1 M files takes longer than this whole benchmark on a
// shared machine, and matching reads only the media records). It prints
// the whole MatchLibrary (scan of the case's media, sort, lookups, 10 k
// assignments), the lookup alone, and `cat` of the library's runs as the
// baseline: reading the library once.
func BenchmarkMatchLibrary(b *testing.B) {
	known := benchInt(b, "SCRIM_BENCH_KNOWN", 100_000_000)
	media := benchInt(b, "SCRIM_BENCH_MEDIA", 1_000_000)
	row := benchrow.Start(fmt.Sprintf("categorize/library/match/%s-media-%s-known", benchrow.Size(float64(media)), benchrow.Size(float64(known))))
	dir := b.TempDir()
	lib := filepath.Join(dir, "hashlib")
	r := rand.New(rand.NewPCG(7, 8))
	caseMD5 := make([][16]byte, media)
	for i := range caseMD5 {
		binary.LittleEndian.PutUint64(caseMD5[i][:8], r.Uint64())
		binary.LittleEndian.PutUint64(caseMD5[i][8:], r.Uint64())
	}
	start := time.Now()
	im, err := hashlib.Begin(lib, "big", 0)
	if err != nil {
		b.Fatal(err)
	}
	cat, _ := im.Category("1")
	var d [16]byte
	want := max(1, media/100)
	stride := max(1, known/want)
	for i := 0; i < known; i++ {
		if i%stride == 0 && i/stride < want {
			d = caseMD5[i/stride]
		} else {
			binary.LittleEndian.PutUint64(d[:8], r.Uint64())
			binary.LittleEndian.PutUint64(d[8:], r.Uint64())
		}
		if err := im.Add("md5", d[:], cat); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := im.Commit("vic-us", store.HashSet{ID: "big", Name: "big", Format: "text", ImportedAt: time.Now().UTC()}); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	fmt.Printf("hash library of %d MD5 digests built in %.1f s (%.0f digests/s, generated in process)\n", known, build.Seconds(), float64(known)/build.Seconds())

	st, err := store.Open(filepath.Join(dir, "case"), store.Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	batch := st.NewBatch()
	for i, m := range caseMD5 {
		sha := fmt.Sprintf("%064x", i)
		if _, err := batch.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: fmt.Sprint("/", i), SHA256: sha},
			Media: &store.Media{SHA256: sha, MD5: hex.EncodeToString(m[:]), SHA1: fmt.Sprintf("%040x", i), Kind: "picture", Type: "jpeg"}}); err != nil {
			b.Fatal(err)
		}
	}
	if err := batch.Flush(); err != nil {
		b.Fatal(err)
	}
	runs, _ := filepath.Glob(filepath.Join(lib, "run-*"))
	vic, _ := SchemeByID("vic-us")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		catStart := time.Now()
		if err := exec.Command("cat", runs...).Run(); err != nil { // stdout: /dev/null
			b.Fatal(err)
		}
		catTime := time.Since(catStart)
		// The peak RSS from here on is the match's, not the library build's.
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			b.Logf("peak RSS not reset (%v): it includes building the library", err)
		}

		l, err := hashlib.Open(lib)
		if err != nil {
			b.Fatal(err)
		}
		packed := make([]byte, 0, 16*media)
		owner := make([]int32, media)
		for j, m := range caseMD5 {
			packed = append(packed, m[:]...)
			owner[j] = int32(j)
		}
		lookStart := time.Now()
		sorted, _ := sortDigests(packed, owner, 16)
		hits := 0
		if err := l.Match("md5", sorted, func(int, *hashlib.Set, string) error { hits++; return nil }); err != nil {
			b.Fatal(err)
		}
		look := time.Since(lookStart)
		l.Close()

		e := NewEngine(st, vic)
		e.SetLibrary(lib)
		matchStart := time.Now()
		n, _, err := e.MatchLibrary(context.Background(), map[string]map[string]int{})
		if err != nil {
			b.Fatal(err)
		}
		match := time.Since(matchStart)
		if n != want || hits != want {
			b.Fatalf("%d media matched, %d lookups hit, want %d", n, hits, want)
		}
		b.ReportMetric(match.Seconds(), "match-s")
		b.ReportMetric(look.Seconds(), "lookup-s")
		b.ReportMetric(catTime.Seconds(), "cat-runs-s")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		fmt.Printf("match of a %d-media case against %d known MD5s: MatchLibrary %.1f s (target <= 60 s; %d media matched), sort + lookup of the case's digests alone %.2f s; baseline cat of the library's runs (%d MB) %.1f s; peak RSS of the benchmark process while matching %d MiB\n",
			media, known, match.Seconds(), n, look.Seconds(), fileBytes(runs)>>20, catTime.Seconds(), peakRSS()>>20)
		row.Log(b, fmt.Sprintf("match of a %d-media case against a library of %d MD5s, %d matched (library built in %s)", media, known, n, benchrow.Seconds(build)),
			fmt.Sprintf("%s (sort + lookup alone %s), peak RSS %s", benchrow.Seconds(match), benchrow.Seconds(look), benchrow.MiB(peakRSS())),
			fmt.Sprintf("`cat` of the library's %d MB of runs %s", fileBytes(runs)>>20, benchrow.Seconds(catTime)), catTime.Seconds()/match.Seconds())
	}
}

func benchInt(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number", name, v)
		}
		return n
	}
	return def
}

func fileBytes(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// peakRSS is this process's VmHWM in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkImportLibraryVICS imports a VICS 2.0 file of SCRIM_BENCH_VICS_RECORDS
// Media (default 200 k, each with MD5 and SHA-1) into a hash library
// in-process, for profiles; cmd/scrim's BenchmarkHashsetImportLibraryVICS
// measures the binary at 1 M records beside jq.
func BenchmarkImportLibraryVICS(b *testing.B) {
	records := benchInt(b, "SCRIM_BENCH_VICS_RECORDS", 200_000)
	row := benchrow.Start("categorize/library/import-vics/" + benchrow.Size(float64(records)))
	dir := b.TempDir()
	path := filepath.Join(dir, "vics.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	fmt.Fprint(w, `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[`)
	for i := range records {
		if i > 0 {
			fmt.Fprint(w, ",\r\n")
		}
		fmt.Fprintf(w, `{"MediaID":%d,"Category":"%d","MD5":"%016X%016X","SHA1":"%016x%016x%08x","MediaSize":"%d","IsDistributed":"true","VictimIdentified":false,`+
			`"MediaFiles":[{"FileName":"IMG_%06d.JPG","FilePath":"C:\\Users\\seized\\Pictures\\IMG_%06d.JPG"}]}`,
			i, i%5, r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64(), r.Uint32(), 1000+i, i, i)
	}
	fmt.Fprint(w, "]}\r\n")
	w.Flush()
	f.Close()
	vic, _ := SchemeByID("vic-us")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lib := filepath.Join(dir, fmt.Sprint("lib", i))
		if _, _, err := ImportLibrary(context.Background(), lib, path, vic, ImportOptions{Format: "vics", Name: "v"}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	row.Log(b, fmt.Sprintf("hash library import in process, VICS file of %d records", records), benchrow.Rate(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s"),
		"— (beside `jq`: cmd/scrim/hashset-import/library-vics)", 0)
}

// BenchmarkImportLibraryRDS imports an RDSv3-shaped database of
// SCRIM_BENCH_RDS_ROWS FILE rows (default 300 k, made by the sqlite3
// tool) into a hash library in-process, for profiles; cmd/scrim's
// BenchmarkHashsetImportLibraryRDS measures the binary beside sqlite3.
func BenchmarkImportLibraryRDS(b *testing.B) {
	rows := benchInt(b, "SCRIM_BENCH_RDS_ROWS", 300_000)
	row := benchrow.Start("categorize/library/import-rds/" + benchrow.Size(float64(rows)))
	if _, err := exec.LookPath("sqlite3"); err != nil {
		b.Skip("sqlite3 missing")
	}
	db := filepath.Join(b.TempDir(), "RDS_modern.db")
	gen := exec.Command("sqlite3", db)
	gen.Stdin = strings.NewReader(`PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE PKG (package_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, version VARCHAR NOT NULL, operating_system_id INTEGER NOT NULL, manufacturer_id INTEGER NOT NULL, language VARCHAR NOT NULL, application_type VARCHAR NOT NULL);
CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ` + strconv.Itoa(rows) + `)
INSERT INTO FILE SELECT hex(randomblob(32)), hex(randomblob(20)), hex(randomblob(16)), hex(randomblob(4)), 'file' || i || '.dll', i % 1000003, i % 20000 + 1 FROM n;
`)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("sqlite3: %v %s", err, out)
	}
	vic, _ := SchemeByID("vic-us")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lib := filepath.Join(b.TempDir(), "lib")
		if _, _, err := ImportLibrary(context.Background(), lib, db, vic, ImportOptions{Format: "nsrl", Name: "rds"}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	row.Log(b, fmt.Sprintf("hash library import in process, NSRL RDSv3-shaped SQLite of %d FILE rows", rows), benchrow.Rate(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s"),
		"— (beside `sqlite3`: cmd/scrim/hashset-import/library-rds)", 0)
}
