package main

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"scrim/internal/benchrow"
	"scrim/testdata/demo"
)

// BenchmarkIngestVsHashdeep ingests a tree of SCRIM_BENCH_BYTES (default
// 1.1 GB) with the real binary and, in the same run on the same files,
// times md5sum and hashdeep computing the same digests. All three read from
// the page cache (the tree is read once before timing). It prints MB/s, the
// ratios and scrim's peak RSS, for two trees: bytes only (the hashing path
// alone, what hashdeep also does) and the same with 1 MP JPEGs among them
// (scrim also decodes, hashes perceptually and thumbnails those).
func BenchmarkIngestVsHashdeep(b *testing.B) {
	total := int64(1_100_000_000)
	if v := os.Getenv("SCRIM_BENCH_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("SCRIM_BENCH_BYTES: %v", err)
		}
		total = n
	}
	for _, tool := range []string{"hashdeep", "md5sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s not installed (make bench installs it)", tool)
		}
	}
	for _, pictures := range []int{0, 400} {
		name := "bytes-only"
		if pictures > 0 {
			name = fmt.Sprintf("with-%d-pictures", pictures)
		}
		b.Run(name, func(b *testing.B) { benchIngest(b, total, pictures) })
	}
}

func benchIngest(b *testing.B, total int64, pictures int) {
	row := benchrow.Start("cmd/ingest/" + benchrow.Size(float64(total)) + "/" + strings.TrimPrefix(b.Name(), "BenchmarkIngestVsHashdeep/"))
	root := filepath.Join(b.TempDir(), "tree")
	if _, err := demo.GenerateBulk(root, total, pictures, 11); err != nil {
		b.Fatal(err)
	}
	files, size := listFiles(b, root)
	runTool(b, "cat", files...) // warm the page cache for every contender

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		md5sum := timeIt(b, func() { runTool(b, "md5sum", files...) })
		hashdeep := timeIt(b, func() { runTool(b, "hashdeep", "-c", "md5,sha1,sha256", "-r", "-j2", root) })
		caseDir := filepath.Join(b.TempDir(), "case")
		var rss int64
		ingest := timeIt(b, func() {
			cmd := exec.Command(scrimBin, "ingest", "--case", caseDir, root)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("scrim ingest: %v\n%s", err, out)
			}
			rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
		})
		mbs := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
		b.ReportMetric(mbs(ingest), "scrim-MB/s")
		b.ReportMetric(mbs(md5sum), "md5sum-MB/s")
		b.ReportMetric(mbs(hashdeep), "hashdeep-MB/s")
		b.ReportMetric(md5sum.Seconds()/ingest.Seconds(), "x-md5sum")
		b.ReportMetric(hashdeep.Seconds()/ingest.Seconds(), "x-hashdeep")
		b.ReportMetric(float64(rss)/(1<<20), "scrim-peak-RSS-MiB")
		fmt.Printf("ingest of %d files (%d pictures), %.2f GB: scrim %.0f MB/s (%.2fx md5sum %.0f MB/s, %.2fx hashdeep -j2 %.0f MB/s), peak RSS %d MiB\n",
			len(files), pictures, float64(size)/1e9, mbs(ingest), md5sum.Seconds()/ingest.Seconds(), mbs(md5sum),
			hashdeep.Seconds()/ingest.Seconds(), mbs(hashdeep), rss>>20)
		row.Log(b, fmt.Sprintf("`scrim ingest` of a %.2f GB tree of %d files, %d of them 1 MP JPEGs (page cache warm)", float64(size)/1e9, len(files), pictures),
			fmt.Sprintf("%s, peak RSS %s", benchrow.Rate(mbs(ingest), "MB/s"), benchrow.MiB(rss)),
			fmt.Sprintf("`hashdeep -c md5,sha1,sha256 -r -j2` %s; `md5sum` %s (%.2f×)", benchrow.Rate(mbs(hashdeep), "MB/s"), benchrow.Rate(mbs(md5sum), "MB/s"), md5sum.Seconds()/ingest.Seconds()),
			hashdeep.Seconds()/ingest.Seconds())
	}
}

func listFiles(b *testing.B, root string) ([]string, int64) {
	var files []string
	var size int64
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			fi, _ := d.Info()
			files = append(files, p)
			size += fi.Size()
		}
		return err
	})
	return files, size
}

func runTool(b *testing.B, name string, args ...string) {
	cmd := exec.Command(name, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.Stdout = nil // discarded: /dev/null
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v %s", name, err, strings.TrimSpace(errb.String()))
	}
}

func timeIt(b *testing.B, f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// BenchmarkDiskImageVsTSK ingests a disk image holding SCRIM_BENCH_BYTES
// of files, beside md5sum of the raw image and the classic TSK pipeline
// (tsk_recover -e, then hashdeep over what it recovered) in the same run,
// for each filesystem a card or disk commonly carries: ext4 (mkfs.ext4 -d),
// FAT32 (mcopy) and exFAT (exfat-card.sh through exfat-fuse, deleting
// nothing, as in the others).
func BenchmarkDiskImageVsTSK(b *testing.B) {
	total := int64(1_100_000_000)
	if v := os.Getenv("SCRIM_BENCH_BYTES"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			total = n
		}
	}
	for _, tool := range []string{"tsk_recover", "hashdeep", "md5sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s not installed (make bench installs it)", tool)
		}
	}
	sizeMB := total/1_000_000*115/100 + 64
	b.Run("ext4", func(b *testing.B) {
		benchDiskImage(b, total, func(tree, img string) {
			runTool(b, "mkfs.ext4", "-q", "-F", "-d", tree, img, fmt.Sprintf("%dM", sizeMB))
		})
	})
	b.Run("fat32", func(b *testing.B) {
		benchDiskImage(b, total, func(tree, img string) {
			runTool(b, "mkfs.vfat", "-C", "-F", "32", img, strconv.FormatInt(sizeMB<<10, 10))
			cmd := exec.Command("mcopy", "-s", "-i", img, filepath.Join(tree, "."), "::/")
			cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("mcopy: %v %s", err, out)
			}
		})
	})
	b.Run("exfat", func(b *testing.B) {
		benchDiskImage(b, total, func(tree, img string) {
			cmd := exec.Command("bash", "../../testdata/disks/exfat-card.sh", img, tree)
			cmd.Env = append(os.Environ(), fmt.Sprintf("EXFAT_CARD_SIZE=%dM", sizeMB), "EXFAT_CARD_DELETE=0",
				"EXFAT_CARD_CLUSTER="+cmp.Or(os.Getenv("SCRIM_BENCH_EXFAT_CLUSTER"), "128K"))
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 77 {
				b.Skip("loop devices or FUSE are not usable here: the exFAT card is filled through exfat-fuse")
			}
			if err != nil {
				b.Fatalf("exfat-card.sh: %v %s", err, out)
			}
		})
	})
}

// benchDiskImage builds an image of a generated tree with mkImage(tree,
// img) and times scrim ingest of it against md5sum and tsk_recover +
// hashdeep.
func benchDiskImage(b *testing.B, total int64, mkImage func(tree, img string)) {
	dir := b.TempDir()
	tree := filepath.Join(dir, "tree")
	if _, err := demo.GenerateBulk(tree, total, 400, 12); err != nil {
		b.Fatal(err)
	}
	img := filepath.Join(dir, "disk.raw")
	mkImage(tree, img)
	os.RemoveAll(tree)
	fi, _ := os.Stat(img)
	runTool(b, "cat", img)
	name := strings.TrimPrefix(b.Name(), "BenchmarkDiskImageVsTSK/")
	row := benchrow.Start("cmd/disk-image/" + benchrow.Size(float64(total)) + "/" + name)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		md5sum := timeIt(b, func() { runTool(b, "md5sum", img) })
		out := filepath.Join(b.TempDir(), "recovered")
		tsk := timeIt(b, func() {
			runTool(b, "tsk_recover", "-e", img, out)
			runTool(b, "hashdeep", "-c", "md5,sha1,sha256", "-r", "-j2", out)
		})
		os.RemoveAll(out)
		caseDir := filepath.Join(b.TempDir(), "case")
		var rss int64
		ingest := timeIt(b, func() {
			cmd := exec.Command(scrimBin, "ingest", "--case", caseDir, img)
			if o, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("scrim ingest: %v\n%s", err, o)
			}
			rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
		})
		mbs := func(d time.Duration) float64 { return float64(fi.Size()) / 1e6 / d.Seconds() }
		b.ReportMetric(mbs(ingest), "scrim-MB/s")
		b.ReportMetric(md5sum.Seconds()/ingest.Seconds(), "x-md5sum-of-image")
		b.ReportMetric(tsk.Seconds()/ingest.Seconds(), "x-tsk_recover+hashdeep")
		b.ReportMetric(float64(rss)/(1<<20), "scrim-peak-RSS-MiB")
		fmt.Printf("%s image %.2f GB: scrim ingest %.1f s (%.0f MB/s of image), md5sum of the image %.1f s (%.2fx), tsk_recover -e + hashdeep %.1f s (%.2fx), peak RSS %d MiB\n",
			name, float64(fi.Size())/1e9, ingest.Seconds(), mbs(ingest), md5sum.Seconds(), md5sum.Seconds()/ingest.Seconds(),
			tsk.Seconds(), tsk.Seconds()/ingest.Seconds(), rss>>20)
		row.Log(b, fmt.Sprintf("`scrim ingest` of a %.2f GB %s image (%.2f GB of files, 400 pictures, carving included)", float64(fi.Size())/1e9, name, float64(total)/1e9),
			fmt.Sprintf("%s of image, peak RSS %s", benchrow.Rate(mbs(ingest), "MB/s"), benchrow.MiB(rss)),
			fmt.Sprintf("`tsk_recover -e` + `hashdeep` %s; `md5sum` of the image %s (%.2f×)", benchrow.Seconds(tsk), benchrow.Seconds(md5sum), md5sum.Seconds()/ingest.Seconds()),
			tsk.Seconds()/ingest.Seconds())
	}
}

// BenchmarkHashsetImport imports a list of SCRIM_BENCH_LINES (default 10 M)
// MD5s into a case with the real binary, beside `sort -u` of the same list
// in the same run (what an external sort of it costs with a classic
// tool), and prints lines/s and peak RSS. The case keeps the set as sorted
// runs like the hash library's (categorize.CaseSetsDir).
func BenchmarkHashsetImport(b *testing.B) {
	lines := benchEnv(b, "SCRIM_BENCH_LINES", 10_000_000)
	dir := b.TempDir()
	list := filepath.Join(dir, "known.md5")
	writeMD5List(b, list, lines, 1)
	evidence := filepath.Join(dir, "ev")
	os.MkdirAll(evidence, 0o755)
	os.WriteFile(filepath.Join(evidence, "a.txt"), []byte("x"), 0o644)
	runTool(b, "cat", list)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row := benchrow.Start("cmd/hashset-import/case-md5/" + benchrow.Size(float64(lines)))
		caseDir := filepath.Join(b.TempDir(), "case")
		if out, err := exec.Command(scrimBin, "ingest", "--case", caseDir, evidence).CombinedOutput(); err != nil {
			b.Fatalf("%v %s", err, out)
		}
		base := runTimed(b, []string{"LC_ALL=C"}, "sort", "-u", "-S", "128M", "-T", dir, "-o", filepath.Join(dir, "sorted"), list)
		imp := runTimed(b, nil, scrimBin, "hashset", "import", "--case", caseDir, "--format", "text", "--category", "5", list)
		reportImport(b, row, "`scrim hashset import --case`", fmt.Sprintf("%d MD5 lines", lines), lines, "lines", 1e6, imp, "sort -u -S 128M", base)
	}
}

// BenchmarkSmallFilesVsHashdeep ingests a tree of SCRIM_BENCH_FILES
// (default 20,000; make bench asks for 1 M) small files of 200 B–3 KB, 30 %
// of them copies of others, about 1000 to a folder, with the real binary,
// and times `hashdeep -c md5,sha1,sha256 -r -j2` over the same tree in the
// same run, the page cache warm for both: a kept tree is read once first.
// It prints files/s of both, the ratio and scrim's peak RSS. Under
// SCRIM_BENCH_DIR the tree is kept for the next run (smallFilesTree).
func BenchmarkSmallFilesVsHashdeep(b *testing.B) {
	n := 20_000
	if v := os.Getenv("SCRIM_BENCH_FILES"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k <= 0 {
			b.Fatalf("SCRIM_BENCH_FILES=%q: want a positive number of files", v)
		}
		n = k
	}
	if _, err := exec.LookPath("hashdeep"); err != nil {
		b.Fatal("hashdeep not installed (make bench installs it)")
	}
	// The tree of a million files is too large for a tmpfs /tmp: it goes
	// where SCRIM_BENCH_DIR says, else in the default temporary directory.
	dir, err := os.MkdirTemp(os.Getenv("SCRIM_BENCH_DIR"), "scrim-smallfiles")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	root, origin := smallFilesTree(b, dir, n)
	// Warm (the default): both tools read from the page cache, so the row
	// measures their own cost per file. A tree kept from an earlier run may
	// have left the cache: hashdeep, timed first, would pay the disk reads
	// scrim then skips. Cold (SCRIM_BENCH_COLD=1): the tree is evicted from
	// the cache before each tool, so both read the disk as they would a
	// seized drive; a tree larger than the memory (10 M files take 40 GB)
	// can only be compared with a smaller one that way.
	cold := os.Getenv("SCRIM_BENCH_COLD") != ""
	prepare, cache := func() { warmTree(b, root) }, "page cache warm"
	if cold {
		prepare, cache = func() { evictTree(b, root) }, "tree evicted from the page cache before each tool"
	}
	if !cold {
		prepare()
	}
	name := "cmd/small-files/" + benchrow.Size(float64(n))
	if cold {
		name += "-cold"
	}
	ingestArgs, signalsNote := smallFilesIngestArgs()
	row := benchrow.Start(name)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loadBefore := loadAverage()
		cpu0 := childrenCPU()
		if cold {
			prepare()
		}
		hashdeep := timeIt(b, func() { runTool(b, "hashdeep", "-c", "md5,sha1,sha256", "-r", "-j2", root) })
		cpu1 := childrenCPU()
		caseDir := filepath.Join(dir, fmt.Sprintf("case%d", i))
		if cold {
			prepare()
		}
		var rss int64
		var out []byte
		ingest := timeIt(b, func() {
			cmd := exec.Command(scrimBin, append(ingestArgs, caseDir, root)...)
			var err error
			if out, err = cmd.CombinedOutput(); err != nil {
				b.Fatalf("scrim ingest: %v\n%s", err, out)
			}
			rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
		})
		cpu2 := childrenCPU()
		if !bytes.Contains(out, []byte(fmt.Sprintf("%d files seen, %d added", n, n))) {
			b.Fatalf("scrim ingest did not report %d files:\n%s", n, out)
		}
		os.RemoveAll(caseDir)
		rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
		b.ReportMetric(rate(ingest), "scrim-files/s")
		b.ReportMetric(rate(hashdeep), "hashdeep-files/s")
		b.ReportMetric(hashdeep.Seconds()/ingest.Seconds(), "x-hashdeep")
		b.ReportMetric(float64(rss)/(1<<20), "scrim-peak-RSS-MiB")
		fmt.Printf("(%s) ingest of %d small files: scrim %.1f s, %.0f files/s (%.2fx hashdeep -j2: %.1f s, %.0f files/s), peak RSS %d MiB; load average %s before, %s after\n",
			cache, n, ingest.Seconds(), rate(ingest), hashdeep.Seconds()/ingest.Seconds(), hashdeep.Seconds(), rate(hashdeep), rss>>20, loadBefore, loadAverage())
		row.Log(b, fmt.Sprintf("`scrim ingest` of %s small files (200 B–3 KB, 30 %% copies, 1000 per folder; SCRIM_BENCH_FILES; %s; %s; tree %s)", benchrow.Count(float64(n)), cache, signalsNote, origin),
			fmt.Sprintf("%s (%s), peak RSS %s", benchrow.Rate(rate(ingest), "files/s"), benchrow.Seconds(ingest), benchrow.MiB(rss)),
			fmt.Sprintf("`hashdeep -c md5,sha1,sha256 -r -j2` %s (%s)", benchrow.Rate(rate(hashdeep), "files/s"), benchrow.Seconds(hashdeep)),
			hashdeep.Seconds()/ingest.Seconds())
		// CPU time (user+sys) is steadier than wall time on a shared machine.
		perFile := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
		b.ReportMetric(perFile(cpu2-cpu1), "scrim-cpu-us/file")
		b.ReportMetric(perFile(cpu1-cpu0), "hashdeep-cpu-us/file")
		fmt.Printf("  CPU (user+sys) per file: scrim %.1f us, hashdeep %.1f us (%.2fx hashdeep's CPU)\n",
			perFile(cpu2-cpu1), perFile(cpu1-cpu0), float64(cpu2-cpu1)/float64(cpu1-cpu0))
	}
}

// smallFilesIngestArgs are `scrim ingest`'s arguments before the case and
// the tree, and how the row names them. The models are loaded as a user's
// ingest loads them after make models (make bench fetches them): the tree
// holds no picture, but their weights stay in memory for the whole ingest
// (about 55 MB of live heap).
func smallFilesIngestArgs() (args []string, note string) {
	models, _ := filepath.Abs(filepath.Join("..", "..", ".cache", "models"))
	if _, err := os.Stat(filepath.Join(models, "blazeface.json")); err != nil {
		return []string{"ingest", "--case"}, "no signals models (run make models)"
	}
	return []string{"ingest", "--models", models, "--case"}, "signals models loaded"
}

// smallFilesTree is the generated tree of n small files: under
// SCRIM_BENCH_DIR it is written once per n and kept (a file marks it
// complete, so a run killed while writing it writes it again), else in
// dir, removed with it. It returns the tree and how the row names it.
func smallFilesTree(b *testing.B, dir string, n int) (string, string) {
	keep := os.Getenv("SCRIM_BENCH_DIR")
	if keep == "" {
		root := filepath.Join(dir, "tree")
		if err := writeSmallFiles(root, n, 16); err != nil {
			b.Fatal(err)
		}
		return root, "written for this run"
	}
	kept := filepath.Join(keep, fmt.Sprintf("smallfiles-tree-%d-files-seed-16", n))
	root, done := filepath.Join(kept, "tree"), filepath.Join(kept, "complete")
	if written, err := os.ReadFile(done); err == nil {
		return root, "kept in " + kept + " (written " + strings.TrimSpace(string(written)) + ")"
	}
	if err := os.RemoveAll(kept); err != nil {
		b.Fatal(err)
	}
	if err := writeSmallFiles(root, n, 16); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(done, []byte(time.Now().UTC().Format("2006-01-02 15:04 UTC")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	return root, "written in this run, kept in " + kept
}

// childrenCPU is the user and system time of the child processes waited
// for so far.
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeSmallFiles writes n files of 200 B–3 KB under root, 1000 to a
// folder in a two-level tree; 30 % repeat the content of an earlier file.
func writeSmallFiles(root string, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 7))
	exts := []string{".txt", ".dat", ".log", ".xml", ".bin", ".json"}
	var kept [][]byte
	for i := 0; i < n; i++ {
		var data []byte
		if len(kept) > 0 && r.IntN(10) < 3 {
			data = kept[r.IntN(len(kept))]
		} else {
			data = make([]byte, 200+r.IntN(2801))
			for k := 0; k+8 <= len(data); k += 8 {
				binary.LittleEndian.PutUint64(data[k:], r.Uint64())
			}
			// A bounded pool of originals to copy from keeps the
			// generator's memory small at 10 M files.
			if len(kept) < 4096 {
				kept = append(kept, data)
			} else {
				kept[r.IntN(len(kept))] = data
			}
		}
		folder := filepath.Join(root, fmt.Sprintf("d%03d", i/1_000_000), fmt.Sprintf("s%03d", i/1000%1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(folder, 0o755); err != nil {
				return err
			}
		}
		name := filepath.Join(folder, fmt.Sprintf("f%07d%s", i, exts[i%len(exts)]))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// warmTree reads every file under root once, so the page cache holds the
// tree before either contender is timed.
// evictTree drops the tree's pages from the page cache (POSIX_FADV_DONTNEED
// on every file, which needs no privilege) and, when run as root, the
// kernel's cached inodes and directory entries too, so a tool timed next
// reads everything from the disk.
func evictTree(b *testing.B, root string) {
	b.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
	if err != nil {
		b.Fatalf("evict %s from the page cache: %v", root, err)
	}
	if os.Geteuid() == 0 {
		// Dirty pages first: the kernel drops only clean ones.
		unix.Sync()
		if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("2\n"), 0); err != nil {
			b.Logf("inodes and directory entries stay cached: %v", err)
		}
	}
}

func warmTree(b *testing.B, root string) {
	b.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		_, err = os.ReadFile(p)
		return err
	})
	if err != nil {
		b.Fatalf("warm the page cache with %s: %v", root, err)
	}
}
