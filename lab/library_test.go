package lab_test

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"scrim/categorize"
	"scrim/lab"
	"scrim/lab/labtest"
	"scrim/store"
)

// media makes a generated media record (no picture bytes: the lab never
// sees any) with the digests of seed, and picture hashes when ph != 0.
func media(seed string, ph, dh uint64) store.Media {
	s, m, o := sha256.Sum256([]byte(seed)), md5.Sum([]byte(seed)), sha1.Sum([]byte(seed))
	md := store.Media{SHA256: hex.EncodeToString(s[:]), MD5: hex.EncodeToString(m[:]), SHA1: hex.EncodeToString(o[:]), Kind: "picture", Type: "jpeg"}
	if ph != 0 {
		md.PHash, md.DHash = fmt.Sprintf("%016x", ph), fmt.Sprintf("%016x", dh)
	}
	return md
}

func newCase(t testing.TB, dir, scheme, number string, ms ...store.Media) (*store.Store, *categorize.Engine) {
	t.Helper()
	st, err := store.Open(dir, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := st.NewBatch()
	for i, m := range ms {
		m := m
		if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: fmt.Sprintf("/p%d.jpg", i), SHA256: m.SHA256},
			Media: &m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	sch, err := categorize.SetCaseScheme(st, scheme)
	if err != nil {
		t.Fatal(err)
	}
	if number != "" {
		if err := st.SetMeta(store.MetaCaseNumber, number); err != nil {
			t.Fatal(err)
		}
	}
	e := categorize.NewEngine(st, sch)
	e.SetLibrary("")
	return st, e
}

func decide(t testing.TB, e *categorize.Engine, who, cat string, ms ...store.Media) {
	t.Helper()
	var shas []string
	for _, m := range ms {
		shas = append(shas, m.SHA256)
	}
	if err := e.Record(context.Background(), who, cat, shas); err != nil {
		t.Fatal(err)
	}
}

func category(t testing.TB, st *store.Store, m store.Media) store.Category {
	t.Helper()
	c, _, err := st.Category(m.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Two cases on two workstations, one lab: the first case's decisions
// match the second exactly (with the MD5/SHA-1 cross-check) and by
// near-duplicate; examiners who disagree are listed; the second case's own
// examiner wins; an undo withdraws the record and its matches; a private
// case sends nothing; another scheme is mapped or refused.
func TestLibraryTwoCases(t *testing.T) {
	url := initLab(t)
	ctx := context.Background()
	wsA, wsB := open(t, workstationURL(t, url)), open(t, workstationURL(t, url))
	root := t.TempDir()
	const ph, dh = 0x0f0f0f0f0f0f0f0f, 0x3355aa55cc33aa55
	same, other, pic := media("same", 0, 0), media("other", 0, 0), media("pic", ph, dh)
	near := media("near", ph^0b11, dh^0b1) // 2 pHash bits, 1 dHash bit away
	tampered := other
	tampered.SHA256 = media("tampered", 0, 0).SHA256 // MD5 of "other", SHA-256 of another
	aSt, aEng := newCase(t, filepath.Join(root, "a"), "vic-us", "A-1", same, other, pic)
	decide(t, aEng, "alice", "1", same, pic)
	decide(t, aEng, "alice", "2", other)
	res, err := lab.SendCase(ctx, wsA, aSt, "ws-a")
	if err != nil || res.Sent != 3 {
		t.Fatalf("send case A: %+v %v", res, err)
	}
	// A resend of what the lab holds (the answer lost) is ignored.
	uid, _ := aSt.CaseUID()
	again, err := aSt.LabOutbox(10)
	if err != nil || len(again) != 0 {
		t.Fatalf("outbox after send: %v %v", again, err)
	}
	sent := []store.LabRecord{{ID: store.LabRecordID(uid, same.SHA256, category(t, aSt, same).At), Kind: store.LabDecision,
		SHA256: same.SHA256, Category: "1", Scheme: "vic-us", Examiner: "alice", At: category(t, aSt, same).At}}
	if err := wsA.SendLibrary(ctx, lab.CaseFacts{UID: uid, Number: "A-1", Workstation: "ws-a"}, sent); err != nil {
		t.Fatal(err)
	}
	cSt, cEng := newCase(t, filepath.Join(root, "c"), "vic-us", "C-7", same)
	decide(t, cEng, "bob", "2", same)
	if _, err := lab.SendCase(ctx, wsB, cSt, "ws-b"); err != nil {
		t.Fatal(err)
	}
	// A CAID case: A maps to vic-us 1; C has no safe mapping and is refused.
	uSt, uEng := newCase(t, filepath.Join(root, "u"), "caid-uk", "U-2", same, other)
	decide(t, uEng, "carl", "A", same)
	decide(t, uEng, "carl", "C", other)
	if _, err := lab.SendCase(ctx, wsB, uSt, "ws-b"); err != nil {
		t.Fatal(err)
	}
	// A private case keeps its decisions.
	pSt, pEng := newCase(t, filepath.Join(root, "p"), "vic-us", "P-9", same)
	if err := pSt.SetMeta(store.MetaLabPrivate, "true"); err != nil {
		t.Fatal(err)
	}
	decide(t, pEng, "dora", "4", same)
	if res, err := lab.SendCase(ctx, wsB, pSt, "ws-b"); err != nil || !res.Private || res.Sent != 0 || res.Waiting != 1 {
		t.Fatalf("private case sent %+v %v", res, err)
	}
	if n := count(t, url, `SELECT count(*) FROM library WHERE examiner = 'dora'`); n != 0 {
		t.Fatalf("private decision reached the lab: %d", n)
	}
	if n := count(t, url, `SELECT count(*) FROM library`); n != 6 {
		t.Fatalf("library holds %d records, want 6", n)
	}

	bSt, bEng := newCase(t, filepath.Join(root, "b"), "vic-us", "B-3", same, other, tampered, near, pic, media("unrelated", ^uint64(ph), 0))
	ms, err := lab.MatchCase(ctx, wsB, bEng, bSt, lab.MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := bEng.Suggest(ctx); err != nil { // as scrim lab match does
		t.Fatal(err)
	}
	c := category(t, bSt, same)
	if c.Category != "1" || !strings.HasPrefix(c.Source, "lab:") || len(c.Conflict) != 3 ||
		!slices.Contains(c.Conflict, "2 by lab:C-7/bob") || !slices.Contains(c.Conflict, "1 by lab:A-1/alice") || !slices.Contains(c.Conflict, "1 by lab:U-2/carl") {
		t.Fatalf("same media in case B: %+v", c)
	}
	if c := category(t, bSt, pic); c.Category != "1" || c.Source != "lab:A-1/alice" {
		t.Fatalf("pic in case B: %+v", c)
	}
	// near gets the category twice as a suggestion: from the library record
	// (distance 2) and from case B's own pic; both say d=2, the lab's wins the tie.
	if c := category(t, bSt, near); c.Category != "1" || !strings.Contains(c.Source, "(d=2)") {
		t.Fatalf("near-duplicate in case B: %+v", c)
	}
	if c := category(t, bSt, tampered); c.Category != "" {
		t.Fatalf("a digest mismatch must not categorize: %+v", c)
	}
	if ms.Exact != 3 || ms.Near != 1 || len(ms.Conflicts) != 0 || len(ms.Refused) != 1 || !strings.Contains(ms.Refused[0], "U-2/carl") {
		t.Fatalf("match summary %+v", ms.LabApplied)
	}
	if got, ok, err := categorize.LastLabMatch(bSt); err != nil || !ok || got.Records != 5 || !slices.Equal(got.Cases, []string{"A-1", "C-7", "U-2"}) {
		t.Fatalf("last lab match %+v %v %v", got, ok, err)
	}
	// The MD5/SHA-1 cross-check: a record whose SHA-256 is the case's but
	// whose MD5 is not is a named conflict.
	tam := media("tampered", 0, 0)
	tam.MD5 = other.MD5
	tSt, tEng := newCase(t, filepath.Join(root, "t"), "vic-us", "T-1", tam)
	decide(t, tEng, "erin", "1", tam)
	if _, err := lab.SendCase(ctx, wsA, tSt, "ws-a"); err != nil {
		t.Fatal(err)
	}
	tampered2 := media("tampered", 0, 0) // the true MD5
	b2St, b2Eng := newCase(t, filepath.Join(root, "b2"), "vic-us", "B-4", tampered2)
	ms, err = lab.MatchCase(ctx, wsB, b2Eng, b2St, lab.MatchOptions{})
	if err != nil || len(ms.Conflicts) != 1 || !strings.Contains(ms.Conflicts[0], "different MD5") || category(t, b2St, tampered2).Category != "" {
		t.Fatalf("digest conflict %+v %v", ms.LabApplied, err)
	}

	// Case B's own examiner wins.
	decide(t, bEng, "bea", "3", same)
	if c := category(t, bSt, same); c.Category != "3" || c.Source != "examiner:bea" {
		t.Fatalf("own decision: %+v", c)
	}
	// Alice takes back her decision on pic: the record is withdrawn, and
	// the near-duplicate suggestion leaves case B at its next match.
	if _, err := aEng.Undo(ctx, "alice", pic.SHA256); err != nil {
		t.Fatal(err)
	}
	if res, err := lab.SendCase(ctx, wsA, aSt, "ws-a"); err != nil || res.Sent != 1 {
		t.Fatalf("send the withdrawal: %+v %v", res, err)
	}
	if n := count(t, url, `SELECT count(*) FROM withdrawals`); n != 1 {
		t.Fatalf("%d withdrawals", n)
	}
	ms, err = lab.MatchCase(ctx, wsB, bEng, bSt, lab.MatchOptions{})
	if err != nil || ms.Removed != 2 {
		t.Fatalf("match after the withdrawal: %+v %v", ms.LabApplied, err)
	}
	if c := category(t, bSt, pic); c.Category != "" {
		t.Fatalf("withdrawn record still categorizes: %+v", c)
	}
	if c := category(t, bSt, near); c.Category != "" {
		t.Fatalf("withdrawn record still suggests: %+v", c)
	}
	// The library's history keeps the withdrawn record.
	counts, err := wsB.Library(ctx)
	if err != nil {
		t.Fatal(err)
	}
	withdrawn := int64(0)
	for _, c := range counts {
		withdrawn += c.Withdrawn
	}
	if withdrawn != 1 || len(counts) < 5 {
		t.Fatalf("library counts %+v", counts)
	}
	// Marked shared, the private case sends what it held.
	if err := pSt.SetMeta(store.MetaLabPrivate, "false"); err != nil {
		t.Fatal(err)
	}
	if res, err := lab.SendCase(ctx, wsB, pSt, "ws-b"); err != nil || res.Sent != 1 {
		t.Fatalf("send after marking shared: %+v %v", res, err)
	}
}

// The server killed while a case is deciding and sending: decisions keep
// being recorded (the outbox holds them), and after the restart each
// reaches the library exactly once.
func TestLibraryServerKilledMidSend(t *testing.T) {
	url := initLab(t)
	ctx := context.Background()
	l := open(t, workstationURL(t, url))
	cl := labtest.Get(t)
	const n = 300
	var ms []store.Media
	for i := range n {
		ms = append(ms, media(fmt.Sprint("k", i), 0, 0))
	}
	st, eng := newCase(t, filepath.Join(t.TempDir(), "k"), "vic-us", "K-1", ms...)
	var failed int
	for i, m := range ms {
		decide(t, eng, "kim", "1", m)
		if i == n/3 {
			if err := cl.Kill(); err != nil {
				t.Fatal(err)
			}
		}
		if i == 2*n/3 {
			if err := cl.Restart(); err != nil {
				t.Fatal(err)
			}
		}
		if i%7 == 0 || i == n/3 { // sends at irregular moments, one right at the kill
			if _, err := lab.SendCase(ctx, l, st, "ws-k"); err != nil {
				failed++
			}
		}
	}
	if failed == 0 {
		t.Fatal("no send failed while the server was down")
	}
	if _, err := lab.SendCase(ctx, l, st, "ws-k"); err != nil {
		t.Fatal(err)
	}
	if got := count(t, url, `SELECT count(*) FROM library`); got != n {
		t.Fatalf("library holds %d records, want %d", got, n)
	}
	if got := count(t, url, `SELECT count(DISTINCT sha256) FROM library`); got != n {
		t.Fatalf("library holds %d media, want %d", got, n)
	}
	if w, _ := st.LabOutboxLen(); w != 0 {
		t.Fatalf("%d records left in the outbox", w)
	}
}

const childDecisions = 40

// libraryChild is one deciding process: its own case, childDecisions
// decisions, each sent at once.
func libraryChild(dir, url string) int {
	err := func() error {
		st, err := store.Open(dir, store.Options{Create: true})
		if err != nil {
			return err
		}
		defer st.Close()
		b := st.NewBatch()
		var shas []string
		for i := range childDecisions {
			m := media(fmt.Sprint(dir, i), 0, 0)
			shas = append(shas, m.SHA256)
			if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: fmt.Sprint("/", i), SHA256: m.SHA256}, Media: &m}); err != nil {
				return err
			}
		}
		if err := b.Flush(); err != nil {
			return err
		}
		sch, err := categorize.SetCaseScheme(st, "vic-us")
		if err != nil {
			return err
		}
		e := categorize.NewEngine(st, sch)
		l, err := lab.Open(context.Background(), url)
		if err != nil {
			return err
		}
		defer l.Close()
		for _, sha := range shas {
			if err := e.Record(context.Background(), "proc", "2", []string{sha}); err != nil {
				return err
			}
			if _, err := lab.SendCase(context.Background(), l, st, filepath.Base(dir)); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	return 0
}

// Several processes deciding at once, each in its own case, on one lab.
func TestLibraryProcesses(t *testing.T) {
	url := initLab(t)
	wsURL := workstationURL(t, url)
	root := t.TempDir()
	const procs = 4
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "SCRIM_LIB_CHILD_CASE="+filepath.Join(root, fmt.Sprintf("case%d", i)), "SCRIM_LAB_CHILD_URL="+wsURL)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("process %d: %v: %s", i, err, out)
			}
		}()
	}
	wg.Wait()
	if got := count(t, url, `SELECT count(*) FROM library`); got != procs*childDecisions {
		t.Fatalf("library holds %d records, want %d", got, procs*childDecisions)
	}
	if got := count(t, url, `SELECT count(DISTINCT case_uid) FROM library`); got != procs {
		t.Fatalf("records of %d cases, want %d", got, procs)
	}
}
