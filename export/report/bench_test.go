package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/internal/benchrow"
	"scrim/store"
)

// BenchmarkReport writes a large synthetic case straight through the store
// API (SCRIM_REPORT_MEDIA media, 1 M by default, with 1.12 places each on
// average and 10 % of them categorized), then exports PDF, HTML and CSV and
// prints time, output size, peak Go heap and peak RSS of each export.
//
//	go test -run NONE -bench Report -benchtime 1x ./export/report
func BenchmarkReport(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("SCRIM_REPORT_MEDIA"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	row := benchrow.Start("export/report")
	for range b.N {
		dir := b.TempDir()
		cli := map[string]string{}
		secs := map[string]float64{}
		st, err := store.Open(filepath.Join(dir, "BIG-1"), store.Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		places := writeSynthetic(b, st, n)
		b.Logf("wrote %d media, %d places in %s", n, places, time.Since(start).Round(time.Millisecond))
		// Reopen, as `scrim export` would find the case: nothing of the
		// writing phase left in memory.
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		if st, err = store.Open(filepath.Join(dir, "BIG-1"), store.Options{}); err != nil {
			b.Fatal(err)
		}

		exports := []struct {
			name string
			run  func(*os.File) error
		}{
			{"pdf", func(f *os.File) error {
				r, err := Build(st, Options{Tool: "scrim bench", Now: time.Now()})
				if err != nil {
					return err
				}
				return WritePDF(f, r)
			}},
			{"html", func(f *os.File) error {
				r, err := Build(st, Options{Tool: "scrim bench", Now: time.Now()})
				if err != nil {
					return err
				}
				return WriteHTML(f, r)
			}},
		}
		for _, e := range exports {
			out := filepath.Join(dir, "report."+e.name)
			f, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			base := heapNow()
			stop := sampleHeap(base)
			t0 := time.Now()
			if err := e.run(f); err != nil {
				b.Fatal(err)
			}
			took := time.Since(t0)
			heap, live := stop()
			f.Close()
			fi, _ := os.Stat(out)
			fmt.Printf("in process: %-4s %8d media: %7.2f s, %6.1f MiB output; above the open store: peak heap %6.1f MiB, peak live heap %6.1f MiB\n",
				e.name, n, took.Seconds(), float64(fi.Size())/(1<<20), float64(heap)/(1<<20), float64(live)/(1<<20))
			b.ReportMetric(took.Seconds(), e.name+"-s")
			b.ReportMetric(float64(heap)/(1<<20), e.name+"-peak-heap-MiB")
			b.ReportMetric(float64(live)/(1<<20), e.name+"-peak-live-heap-MiB")
		}
		st.Close()
		// The real command, one process per export: wall time and peak RSS
		// as a user would see them.
		bin := filepath.Join(dir, "scrim")
		if out, err := exec.Command("go", "build", "-o", bin, "scrim/cmd/scrim").CombinedOutput(); err != nil {
			b.Fatalf("build scrim: %v\n%s", err, out)
		}
		// `scrim stats` first: the baseline of opening and scanning the case.
		for _, format := range []string{"stats", "pdf", "html", "csv"} {
			out := filepath.Join(dir, "cli."+format)
			cmd := exec.Command(bin, "export", "--case", filepath.Join(dir, "BIG-1"), "--format", format, "--out", out)
			if format == "stats" {
				cmd = exec.Command(bin, "stats", "--case", filepath.Join(dir, "BIG-1"), "--json")
			}
			var msg bytes.Buffer
			cmd.Stdout, cmd.Stderr = &msg, &msg
			t0 := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			mem := sampleMem(cmd.Process.Pid)
			if err := cmd.Wait(); err != nil {
				b.Fatalf("scrim %s: %v\n%s", format, err, msg.String())
			}
			took := time.Since(t0)
			rss, peakAnon := mem()
			size := int64(msg.Len())
			if fi, err := os.Stat(out); err == nil {
				size = fi.Size()
			}
			// RSS counts Badger's memory-mapped tables (file pages the kernel
			// can drop); anonymous memory is what the process itself holds.
			fmt.Printf("scrim %-5s %8d media: %7.2f s, %6.1f MiB output, peak RSS %6.1f MiB, of it anonymous %6.1f MiB\n",
				format, n, took.Seconds(), float64(size)/(1<<20), float64(rss)/(1<<20), float64(peakAnon)/(1<<20))
			b.ReportMetric(float64(rss)/(1<<20), format+"-cli-peak-RSS-MiB")
			b.ReportMetric(float64(peakAnon)/(1<<20), format+"-cli-peak-anon-MiB")
			b.ReportMetric(took.Seconds(), format+"-cli-s")
			cli[format] = fmt.Sprintf("%s, peak RSS %s", benchrow.Seconds(took), benchrow.MiB(rss))
			secs[format] = took.Seconds()
		}
		row.Log(b, fmt.Sprintf("`scrim export` report of a %s-media generated case (appendix capped)", benchrow.Count(float64(n))),
			fmt.Sprintf("PDF %s; HTML %s; CSV %s", cli["pdf"], cli["html"], cli["csv"]), "`scrim stats` on the same case "+cli["stats"], secs["stats"]/secs["pdf"])
	}
}

// writeSynthetic adds n media: each found once in EX1, every 10th also
// deleted in EX2, every 50th also carved in EX2; every 10th categorized,
// half of those by a hash set (category 1), half by an examiner (5).
func writeSynthetic(b *testing.B, st *store.Store, n int) int64 {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range []string{"EX1", "EX2"} {
		if err := st.PutEvidence(store.Evidence{ID: id, Path: "/seized/" + id, Format: "raw", Size: 1 << 40,
			FirstIngested: at, LastIngested: at, Status: "complete"}); err != nil {
			b.Fatal(err)
		}
	}
	batch := st.NewBatch()
	var places int64
	var categorized []string
	for i := range n {
		kind := "picture"
		if i%20 == 0 {
			kind = "video"
		}
		m := synthMedia(i, kind)
		add := func(r store.FileRecord) {
			if _, err := batch.Add(r); err != nil {
				b.Fatal(err)
			}
			places++
		}
		add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX1", Volume: "1", Path: fmt.Sprintf("/Users/x/Pictures/%07d.jpg", i), Size: m.Size, SHA256: m.SHA256}, Media: m})
		if i%10 == 0 {
			add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX2", Volume: "1", Path: fmt.Sprintf("/del/%07d.jpg", i), Deleted: true, Size: m.Size, SHA256: m.SHA256}})
			categorized = append(categorized, m.SHA256)
		}
		if i%50 == 0 {
			add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX2", Volume: "1", Path: "", Carved: true, Offset: int64(i) * 4096, Size: m.Size, SHA256: m.SHA256}})
		}
	}
	if err := batch.Flush(); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	err := runParallel(context.Background(), categorized, func(i int, sha string) error {
		c := store.Category{Category: "1", Source: "hashset:bench", At: at}
		if i%2 == 1 {
			c = store.Category{Category: "5", Source: "examiner:bench", At: at}
		}
		return st.PutCategory(sha, c)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("categorized %d media in %s", len(categorized), time.Since(t0).Round(time.Millisecond))
	return places
}

// runParallel spreads fn over a few goroutines: one transaction per
// category is what the store offers, and it waits on fsync-free commits.
func runParallel(ctx context.Context, items []string, fn func(int, string) error) error {
	const workers = 8
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := w; i < len(items); i += workers {
				if err := ctx.Err(); err != nil {
					errs <- err
					return
				}
				if err := fn(i, items[i]); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// sampleHeap tracks the Go heap every 10 ms until the returned stop
// function is called, which gives two peaks above base: every heap object
// (garbage included, so it depends on GC timing) and the heap the last GC
// found live (what the export really holds).
func sampleHeap(base uint64) (stop func() (heap, live uint64)) {
	done, peak := make(chan struct{}), make(chan [2]uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		var max [2]uint64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			for i := range s {
				if v := s[i].Value.Uint64(); v > base {
					max[i] = maxU(max[i], v-base)
				}
			}
			select {
			case <-done:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	return func() (uint64, uint64) { close(done); m := <-peak; return m[0], m[1] }
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// sampleMem polls a child's VmRSS and RssAnon every 10 ms until it exits;
// the returned function waits for the poller and gives both peaks in
// bytes. (The rusage of a child would not do: its maxrss starts from the
// parent's size at fork.)
func sampleMem(pid int) func() (rss, anon int64) {
	peak := make(chan [2]int64, 1)
	go func() {
		var max [2]int64
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			b, err := os.ReadFile(path)
			if err != nil {
				break
			}
			seen := false
			for i, field := range []string{"VmRSS:", "RssAnon:"} {
				j := bytes.Index(b, []byte(field))
				if j < 0 {
					continue
				}
				seen = true
				f := strings.Fields(string(b[j+len(field):]))
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil && kb<<10 > max[i] {
					max[i] = kb << 10
				}
			}
			if !seen { // a zombie has no memory lines: the child is done
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		peak <- max
	}()
	return func() (int64, int64) { m := <-peak; return m[0], m[1] }
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
