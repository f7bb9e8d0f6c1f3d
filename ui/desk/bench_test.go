package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"scrim/internal/benchrow"
	"scrim/store"
	"scrim/ui/review"
	"scrim/ui/thumbs"
)

// BenchmarkCategorizeAdvance: from a category key press to the next tile
// painted, on the real demo case (Badger on disk): the decision, its audit
// entry, the exposure record of the review, the repaint and the move.
func BenchmarkCategorizeAdvance(b *testing.B) {
	row := benchrow.Start("ui/desk/categorize-advance")
	t := &testing.T{}
	f := newFixtureTB(b, t)
	f.ws.ShowReview()
	n := f.ws.desk.Model.Len()
	var worst time.Duration
	start := time.Now()
	for i := range b.N {
		if f.ws.cur >= n-1 {
			f.ws.Move(0, false)
		}
		t0 := time.Now()
		f.ws.keys.TypedRune([]rune{'1', '2', '3', '5'}[i%4])
		worst = max(worst, time.Since(t0))
	}
	el := time.Since(start)
	b.ReportMetric(float64(el.Microseconds())/float64(b.N)/1000, "ms/key")
	fmt.Printf("categorize-and-advance: %.2f ms per key press on average, worst %.2f ms (aim < 50 ms), %d presses\n",
		float64(el.Microseconds())/float64(b.N)/1000, float64(worst.Microseconds())/1000, b.N)
	row.Log(b, fmt.Sprintf("workstation: category key → decision stored and audited → next tile shown (demo case on Badger, %d presses)", b.N),
		fmt.Sprintf("%.2f ms mean, worst %.2f ms", float64(el.Microseconds())/float64(b.N)/1000, float64(worst.Microseconds())/1000), "— (aim 50 ms)", 0)
}

// BenchmarkGridScroll: a grid of 100 000 items scrolled one row per frame;
// each frame moves the cursor, scrolls, paints the visible tiles from the
// cache (renderings made on two goroutines) and draws the whole window
// with the software renderer. Printed: frames per second and the cache's
// hit rate, beside the cost of one thumbnail rendering as the baseline.
func BenchmarkGridScroll(b *testing.B) { benchGridScroll(b, "") }

// BenchmarkGridScrollCase is BenchmarkGridScroll over the queue and
// thumbnails of the ingested case SCRIM_BENCH_CASE (make bench points it at
// the read-path case); skipped without it. Its own row, so that README's
// table keeps both.
func BenchmarkGridScrollCase(b *testing.B) {
	dir := os.Getenv("SCRIM_BENCH_CASE")
	if dir == "" {
		b.Skip("SCRIM_BENCH_CASE names an ingested case")
	}
	benchGridScroll(b, dir)
}

// benchGridScroll scrolls 100 000 generated items, or the queue of the
// ingested case in caseDir when it is set.
func benchGridScroll(b *testing.B, caseDir string) {
	t := &testing.T{}
	f := newFixtureTB(b, t)
	f.ws.ShowReview()
	// Real stored thumbnails of the demo case, reused round-robin for 100 k
	// synthetic items: the cost per tile is the real one.
	var thumbsData [][]byte
	for i := range f.ws.desk.Model.Len() {
		it := f.ws.desk.Model.At(i)
		if it.Flags&review.FlagNoThumb != 0 || it.Flags&review.FlagVideo != 0 {
			continue
		}
		if d, err := f.ws.st.Thumbnail(it.Hex()); err == nil && len(d) > 0 {
			thumbsData = append(thumbsData, d)
		}
	}
	items := 100_000
	if n, err := strconv.Atoi(os.Getenv("SCRIM_BENCH_ITEMS")); err == nil && n > 0 {
		items = n
	}
	list := make([]review.Item, items)
	for i := range list {
		list[i] = review.Item{SHA: sha256.Sum256([]byte(fmt.Sprint(i))), Cluster: -1}
	}
	m := review.NewModel(f.ws.scheme, []string{"bench"}, list)
	src := func(sha [32]byte) ([]byte, error) { return thumbsData[int(sha[0])%len(thumbsData)], nil }
	// caseDir: scroll the queue of a large ingested case instead (the
	// workstation's own store stays the demo case), its thumbnails read
	// from its store as the workstation reads them.
	if dir := caseDir; dir != "" {
		big, err := store.Open(dir, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer big.Close()
		t0 := time.Now()
		if m, err = review.Load(context.Background(), big, nil, f.ws.scheme); err != nil {
			b.Fatal(err)
		}
		fmt.Printf("review queue of %s: %d items opened in %.2f s (aim ≤ 2 s)\n", dir, m.Len(), time.Since(t0).Seconds())
		items = m.Len()
		list = []review.Item{m.At(0)}
		src = func(sha [32]byte) ([]byte, error) { return big.Thumbnail(hex.EncodeToString(sha[:])) }
	}
	f.ws.cache.Close()
	f.ws.cache = thumbs.New(src, f.ws.opt.Preview, 2000, 2, f.ws.thumbReady)
	f.ws.desk = &review.Desk{Model: m, Store: f.ws.st, Engine: f.ws.eng, Examiner: "erin"}
	f.ws.cur = 0
	f.ws.ShowReview()
	t0 := time.Now()
	one, _ := thumbs.New(src, f.ws.opt.Preview, 1, 1, nil).Render(thumbs.Key{SHA: list[0].SHA})
	perRender := time.Since(t0)
	_ = one
	cols := f.ws.columns()
	path := "ui/desk/grid-scroll"
	if caseDir != "" {
		path += "-case"
	}
	row := benchrow.Start(path)
	b.ResetTimer()
	var scroll, draw time.Duration
	for range b.N {
		t0 := time.Now()
		f.ws.keys.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		t1 := time.Now()
		f.win.Canvas().Capture()
		scroll += t1.Sub(t0)
		draw += time.Since(t1)
		if f.ws.cur+cols >= items {
			f.ws.Move(0, false)
		}
	}
	rate, lookups := f.ws.cache.HitRate()
	perScroll := scroll.Seconds() * 1000 / float64(b.N)
	perDraw := draw.Seconds() * 1000 / float64(b.N)
	b.ReportMetric(perScroll, "ms-scroll/row")
	fmt.Printf("grid scroll over %d items, one row (%d tiles) per step: move+scroll+paint %.2f ms (%.0f rows/s), "+
		"software redraw of the 1280x800 window %.0f ms; thumbnail cache hit rate %.0f%% of %d lookups, %d renderings held; "+
		"one rendering (decode+fit+grayscale+blur) %.1f ms\n",
		items, cols, perScroll, 1000/perScroll, perDraw, rate*100, lookups, f.ws.cache.Len(), float64(perRender.Microseconds())/1000)
	what := fmt.Sprintf("workstation: grid scroll, one row of %d tiles per step, %s generated items", cols, benchrow.Count(float64(items)))
	if caseDir != "" {
		what = fmt.Sprintf("workstation: grid scroll, one row of %d tiles per step, the queue of the ingested case SCRIM_BENCH_CASE (%s items)", cols, benchrow.Count(float64(items)))
	}
	row.Log(b, what, fmt.Sprintf("%s per row (move, scroll, paint), cache hit rate %.0f %%", benchrow.Seconds(scroll/time.Duration(b.N)), rate*100),
		fmt.Sprintf("the software test renderer's full redraw %.0f ms", perDraw), perDraw/perScroll)
	_ = context.Background
}
