package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// benchEnv reads a positive integer bench option.
func benchEnv(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number", name, v)
		}
		return n
	}
	return def
}

// childRun is one timed run of a child process.
type childRun struct {
	wall, cpu time.Duration
	rss       int64
}

func runTimed(b *testing.B, env []string, name string, args ...string) childRun {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return childRun{wall: time.Since(start), cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), rss: ru.Maxrss * 1024}
}

// reportLibrary prints one library import beside its baseline, with the
// rate by wall clock and by the child's CPU time (on a shared machine the
// wall clock also counts other processes' turns).
func reportLibrary(b *testing.B, row benchrow.Meter, what string, n int, unit string, target float64, imp childRun, baseName string, base childRun) {
	reportImport(b, row, "`scrim hashset import --library`", what, n, unit, target, imp, baseName, base)
}

// reportImport is reportLibrary for any import command.
func reportImport(b *testing.B, row benchrow.Meter, command, what string, n int, unit string, target float64, imp childRun, baseName string, base childRun) {
	rate := float64(n) / imp.wall.Seconds()
	b.ReportMetric(rate, unit+"/s")
	b.ReportMetric(float64(n)/imp.cpu.Seconds(), unit+"/cpu-s")
	b.ReportMetric(float64(imp.rss)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(base.wall.Seconds()/imp.wall.Seconds(), "x-"+strings.Fields(baseName)[0])
	fmt.Printf("%s of %s: %.1f s wall, %.0f %s/s (target >= %.0f), %.1f s CPU (%.0f %s per CPU second), peak RSS %d MiB (target <= 512); %s of the same file %.1f s wall, %.1f s CPU\n",
		strings.Trim(command, "`"), what, imp.wall.Seconds(), rate, unit, target, imp.cpu.Seconds(), float64(n)/imp.cpu.Seconds(), unit, imp.rss>>20, baseName, base.wall.Seconds(), base.cpu.Seconds())
	row.Log(b, command+" of "+what,
		fmt.Sprintf("%s (%s, %s CPU), peak RSS %s", benchrow.Rate(rate, unit+"/s"), benchrow.Seconds(imp.wall), benchrow.Seconds(imp.cpu), benchrow.MiB(imp.rss)),
		fmt.Sprintf("`%s` of the same file %s (%s CPU)", baseName, benchrow.Seconds(base.wall), benchrow.Seconds(base.cpu)), base.wall.Seconds()/imp.wall.Seconds())
}

// BenchmarkHashsetImportLibraryMD5 imports a list of SCRIM_BENCH_LINES
// (default 10 M) MD5s once into the workstation hash library with the real
// binary, beside `sort -u` of the same list (what an external sort of it
// costs with a classic tool).
func BenchmarkHashsetImportLibraryMD5(b *testing.B) {
	lines := benchEnv(b, "SCRIM_BENCH_LINES", 10_000_000)
	dir := b.TempDir()
	list := filepath.Join(dir, "known.md5")
	writeMD5List(b, list, lines, 1)
	runTool(b, "cat", list)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row := benchrow.Start("cmd/hashset-import/library-md5/" + benchrow.Size(float64(lines)))
		home := filepath.Join(b.TempDir(), "home")
		base := runTimed(b, []string{"LC_ALL=C"}, "sort", "-u", "-S", "128M", "-T", dir, "-o", filepath.Join(dir, "sorted"), list)
		imp := runTimed(b, []string{"SCRIM_HOME=" + home}, scrimBin, "hashset", "import", "--library", "--format", "text", "--category", "5", list)
		reportLibrary(b, row, fmt.Sprintf("%d MD5 lines", lines), lines, "lines", 1e6, imp, "sort -u -S 128M", base)
	}
}

// BenchmarkHashsetImportLibraryVICS imports a Project VIC VICS 2.0 file of
// SCRIM_BENCH_VICS_RECORDS (default 1 M) Media, each with MD5 and SHA-1,
// beside `jq length` parsing the same file.
func BenchmarkHashsetImportLibraryVICS(b *testing.B) {
	records := benchEnv(b, "SCRIM_BENCH_VICS_RECORDS", 1_000_000)
	dir := b.TempDir()
	path := filepath.Join(dir, "vics.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	fmt.Fprint(w, `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[`)
	for i := 0; i < records; i++ {
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
	runTool(b, "cat", path)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row := benchrow.Start("cmd/hashset-import/library-vics/" + benchrow.Size(float64(records)))
		home := filepath.Join(b.TempDir(), "home")
		base := runTimed(b, nil, "jq", "length", path)
		imp := runTimed(b, []string{"SCRIM_HOME=" + home}, scrimBin, "hashset", "import", "--library", "--format", "vics", path)
		reportLibrary(b, row, fmt.Sprintf("%d VICS records", records), records, "records", 3e5, imp, "jq length", base)
	}
}

// BenchmarkHashsetImportLibraryRDS imports an NSRL RDSv3-shaped SQLite
// database of SCRIM_BENCH_RDS_ROWS FILE rows (default 1 M; the full NSRL
// is about 50 M) in its real schema (FILE, PKG, OS, MFG), generated by the
// sqlite3 tool, beside sqlite3 itself reading the same rows. It is imported
// once per workstation: every case then matches the library.
func BenchmarkHashsetImportLibraryRDS(b *testing.B) {
	rows := benchEnv(b, "SCRIM_BENCH_RDS_ROWS", 1_000_000)
	if _, err := exec.LookPath("sqlite3"); err != nil {
		b.Skip("sqlite3 missing")
	}
	dir := b.TempDir()
	db := filepath.Join(dir, "RDS_2025.03.1_modern.db")
	schema := `PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE MFG (manufacturer_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE OS (operating_system_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, version VARCHAR NOT NULL, manufacturer_id INTEGER NOT NULL);
CREATE TABLE PKG (package_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, version VARCHAR NOT NULL, operating_system_id INTEGER NOT NULL, manufacturer_id INTEGER NOT NULL, language VARCHAR NOT NULL, application_type VARCHAR NOT NULL);
CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 50) INSERT INTO MFG SELECT i, 'Vendor ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200) INSERT INTO OS SELECT i, 'OS ' || i, '1.' || i, i % 50 + 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000) INSERT INTO PKG SELECT i, 'Package ' || i, '2.' || i, i % 200 + 1, i % 50 + 1, 'English', 'Operating System' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ` + strconv.Itoa(rows) + `)
INSERT INTO FILE SELECT hex(randomblob(32)), hex(randomblob(20)), hex(randomblob(16)), hex(randomblob(4)), 'file' || i || '.dll', i % 1000003, i % 20000 + 1 FROM n;
`
	gen := exec.Command("sqlite3", db)
	gen.Stdin = strings.NewReader(schema)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("sqlite3: %v %s", err, out)
	}
	runTool(b, "cat", db)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row := benchrow.Start("cmd/hashset-import/library-rds/" + benchrow.Size(float64(rows)))
		home := filepath.Join(b.TempDir(), "home")
		base := runTimed(b, nil, "sh", "-c", `sqlite3 "$0" 'SELECT sha256, sha1, md5, file_name, file_size FROM FILE' >/dev/null`, db)
		imp := runTimed(b, []string{"SCRIM_HOME=" + home}, scrimBin, "hashset", "import", "--library", "--format", "nsrl", db)
		reportLibrary(b, row, fmt.Sprintf("an RDSv3 database of %d FILE rows (%d digests)", rows, 3*rows), rows, "rows", 0, imp, "sqlite3 SELECT", base)
	}
}
