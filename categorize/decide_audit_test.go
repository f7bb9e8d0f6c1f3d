package categorize

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scrim/ingest"
	"scrim/ingest/evidence"
	"scrim/store"
)

// writePictures writes n generated JPEGs (random 8×8-pixel blocks, so each
// has its own content and fingerprint) into dir.
func writePictures(t *testing.T, dir string, n int, seed uint64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		img := image.NewRGBA(image.Rect(0, 0, 96, 64))
		for by := 0; by < 64; by += 8 {
			for bx := 0; bx < 96; bx += 8 {
				c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
				for y := by; y < by+8; y++ {
					for x := bx; x < bx+8; x++ {
						img.Set(x, y, c)
					}
				}
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("p%03d.jpg", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func ingestDir(t *testing.T, st *store.Store, dir, id string) error {
	t.Helper()
	src, err := evidence.Open(dir)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = ingest.New(st, ingest.Options{Examiner: "ingest", Workers: 2}).Ingest(context.Background(), src, id)
	return err
}

// TestAuditDuringIngestAndDecisions is the workstation at work: an ingest
// runs in the background while other goroutines append to the case's audit
// log (reveals, exports) and examiners decide and undo through the engine,
// with background suggestions. Every append must be kept, every decision
// and undo must have exactly its audit entry (and every audit entry its
// decision), and the chain must verify.
func TestAuditDuringIngestAndDecisions(t *testing.T) {
	root := t.TempDir()
	first, second := filepath.Join(root, "first"), filepath.Join(root, "second")
	writePictures(t, first, 40, 1)
	writePictures(t, second, 150, 2)
	st, err := store.Open(filepath.Join(root, "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := ingestDir(t, st, first, "first"); err != nil {
		t.Fatal(err)
	}
	var shas []string
	if err := st.EachMedia(func(m store.Media) error { shas = append(shas, m.SHA256); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(shas) != 40 {
		t.Fatalf("first evidence gave %d media, want 40", len(shas))
	}
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	ctx := context.Background()

	const appenders, minAppends, deciders, decisions = 4, 100, 4, 40
	ingestDone := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ingestDone)
		if err := ingestDir(t, st, second, "second"); err != nil {
			t.Error(err)
		}
	}()
	var appended, duringIngest atomic.Int64
	for g := range appenders {
		wg.Add(1)
		go func() { // keeps appending until the ingest is over
			defer wg.Done()
			for i := 0; ; i++ {
				running := true
				select {
				case <-ingestDone:
					if i >= minAppends {
						return
					}
					running = false
				default:
				}
				if _, err := st.Audit(fmt.Sprint("viewer", g), "reveal", map[string]string{"n": fmt.Sprint(i)}, time.Now()); err != nil {
					t.Error(err)
					return
				}
				appended.Add(1)
				if running {
					duringIngest.Add(1)
				}
			}
		}()
	}
	var decided, undone atomic.Int64
	for g := range deciders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			examiner := fmt.Sprint("examiner", g)
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range decisions {
				sha := shas[r.IntN(len(shas))]
				if err := e.Record(ctx, examiner, fmt.Sprint(1+i%5), []string{sha}); err != nil {
					t.Error(err)
					return
				}
				decided.Add(1)
				if err := e.SuggestFrom(ctx, []string{sha}); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					_, err := e.Undo(ctx, examiner, sha)
					switch {
					case err == nil:
						undone.Add(1)
					case !strings.Contains(err.Error(), "no decision of"): // another examiner decided since
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if duringIngest.Load() == 0 {
		t.Fatal("no audit entry was appended while the ingest ran")
	}

	// Index the history: each decision and undo by (media, time).
	history := map[string]string{} // sha/at -> kind
	for _, sha := range shas {
		as, err := st.Assignments(sha)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Kind == "examiner" || a.Kind == "undo" {
				history[sha+"/"+a.At.Format(time.RFC3339Nano)] = a.Kind
			}
		}
	}
	counts := map[string]int64{}
	audited := map[string]int{}
	if err := st.EachAudit(func(a store.AuditEntry) error {
		counts[a.Action]++
		if a.Action == "categorize" || a.Action == "categorize-undo" {
			k := a.Detail["sha256"] + "/" + a.At.Format(time.RFC3339Nano)
			audited[k]++
			want := map[string]string{"categorize": "examiner", "categorize-undo": "undo"}[a.Action]
			if history[k] != want {
				t.Errorf("audit entry %d (%s on %.8s at %s) has no %s assignment in the history", a.Seq, a.Action, a.Detail["sha256"], a.At, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for k, kind := range history {
		if audited[k] != 1 {
			t.Errorf("%s assignment %s has %d audit entries, want exactly one", kind, k, audited[k])
		}
	}
	if int64(len(history)) != decided.Load()+undone.Load() {
		t.Errorf("history holds %d decisions and undos, %d were made", len(history), decided.Load()+undone.Load())
	}
	if counts["reveal"] != appended.Load() || counts["categorize"] != decided.Load() ||
		counts["categorize-undo"] != undone.Load() || counts["ingest"] != 2 {
		t.Errorf("audit holds %v; appended %d reveals, %d decisions, %d undos, 2 ingests",
			counts, appended.Load(), decided.Load(), undone.Load())
	}
	total := uint64(appended.Load() + decided.Load() + undone.Load() + 2)
	c, err := st.VerifyAudit()
	if err != nil {
		t.Fatal(err)
	}
	if !c.OK || c.Entries != total {
		t.Fatalf("audit check %+v, want %d entries and an intact chain", c, total)
	}
	// The current categories agree with the history they were derived from.
	for _, sha := range shas {
		as, _ := st.Assignments(sha)
		want, ok := e.effective(as)
		got, has, _ := st.Category(sha)
		if ok != has || got.Category != want.Category || got.Source != want.Source {
			t.Errorf("%.8s shows %+v, its history gives %+v", sha, got, want)
		}
	}
	t.Logf("%d reveals appended (%d while the ingest ran), %d decisions, %d undos; %d audit entries verified", appended.Load(), duringIngest.Load(), decided.Load(), undone.Load(), c.Entries)
}

func oneMediaCase(t *testing.T) (*store.Store, string) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sha := strings.Repeat("ab", 32)
	b := st.NewBatch()
	if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: "/a.jpg", SHA256: sha},
		Media: &store.Media{SHA256: sha, Kind: "picture", Type: "jpeg"}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	return st, sha
}

// TestDecisionNotKeptWithoutAuditEntry: when the audit entry cannot be
// written, the decision (and the undo) is not kept either: no assignment,
// no changed category. Before, both were committed ahead of the entry.
func TestDecisionNotKeptWithoutAuditEntry(t *testing.T) {
	st, sha := oneMediaCase(t)
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	ctx := context.Background()
	if err := e.Record(ctx, "alice", "1", []string{sha}); err != nil {
		t.Fatal(err)
	}
	head, err := st.Meta("audit_head")
	if err != nil || head == "" {
		t.Fatalf("audit head %q %v", head, err)
	}
	// An unreadable head makes every append fail.
	if err := st.SetMeta("audit_head", "{unreadable"); err != nil {
		t.Fatal(err)
	}
	if err := e.Record(ctx, "alice", "2", []string{sha}); err == nil {
		t.Fatal("a decision was accepted without its audit entry")
	}
	if _, err := e.Undo(ctx, "alice", sha); err == nil {
		t.Fatal("an undo was accepted without its audit entry")
	}
	as, err := st.Assignments(sha)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Category != "1" {
		t.Fatalf("history %+v, want only the audited decision", as)
	}
	if c, _, _ := st.Category(sha); c.Category != "1" {
		t.Fatalf("category %+v, want the audited decision's 1", c)
	}
	if err := st.SetMeta("audit_head", head); err != nil {
		t.Fatal(err)
	}
	if c, _ := st.VerifyAudit(); !c.OK || c.Entries != 1 {
		t.Fatalf("audit %+v, want the one decision", c)
	}
}

// TestDecisionsInOneInstantKeepTheirHistory: two decisions stamped in the
// same instant (a coarse or stopped clock) are two history records, each
// with its audit entry, and undo takes back the later one.
func TestDecisionsInOneInstantKeepTheirHistory(t *testing.T) {
	st, sha := oneMediaCase(t)
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	instant := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	e.now = func() time.Time { return instant }
	ctx := context.Background()
	for _, cat := range []string{"1", "2"} {
		if err := e.Record(ctx, "alice", cat, []string{sha}); err != nil {
			t.Fatal(err)
		}
	}
	as, _ := st.Assignments(sha)
	if len(as) != 2 {
		t.Fatalf("history %+v, want both decisions", as)
	}
	after, err := e.Undo(ctx, "alice", sha)
	if err != nil || after.Category != "1" {
		t.Fatalf("undo gave %+v %v, want the first decision back", after, err)
	}
	if c, _ := st.VerifyAudit(); !c.OK || c.Entries != 3 {
		t.Fatalf("audit %+v, want 3 entries", c)
	}
}
