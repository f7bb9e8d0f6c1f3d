package lab_test

import (
	"context"
	"testing"
	"time"

	"scrim/profile"
)

// Send keeps each (workstation, id) once: a batch sent again after a lost
// answer changes nothing; a break goes from open to closed once and never
// back; audit records already in the chain are not appended again.
func TestLedgerSendExactlyOnce(t *testing.T) {
	l := open(t, initLab(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ev := profile.Event{ID: "eve/1/1", Examiner: "eve", Case: "op", SHA256: "ab", Mode: profile.ModeReveal,
		Start: at, End: at.Add(2 * time.Second), DurationMS: 2000}
	br := profile.Break{ID: "eve/2/2", Examiner: "eve", Start: at.Add(time.Hour), Length: 10 * time.Minute, Open: true}
	rv := profile.Review{ID: "eve/3/3", Examiner: "eve", Case: "op", SHA256: "ab", Category: "1", At: at.Add(time.Minute)}
	au := []profile.AuditRecord{{ID: "0000000000000001", At: at, Actor: "eve", Action: "sign-in"},
		{ID: "0000000000000002", At: at, Actor: "eve", Action: "break-start"}}
	batch := profile.Outgoing{Events: []profile.Event{ev}, Breaks: []profile.Break{br}, Reviews: []profile.Review{rv}, Audit: au}
	for range 3 {
		if err := l.Send(ctx, "ws-a", batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Send(ctx, "ws-b", profile.Outgoing{Events: []profile.Event{ev}, Audit: au[:1]}); err != nil {
		t.Fatal(err)
	}
	closed := br
	closed.Open, closed.End = false, br.Start.Add(10*time.Minute)
	if err := l.Send(ctx, "ws-a", profile.Outgoing{Breaks: []profile.Break{closed}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Send(ctx, "ws-a", profile.Outgoing{Breaks: []profile.Break{br}}); err != nil { // a stale copy
		t.Fatal(err)
	}
	r, err := l.Records(ctx, "eve", at.Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Events) != 2 || len(r.Reviews) != 1 || len(r.Breaks) != 1 {
		t.Fatalf("records %d events, %d reviews, %d breaks; want 2 (one per workstation), 1, 1", len(r.Events), len(r.Reviews), len(r.Breaks))
	}
	if b := r.Breaks[0]; b.Open || !b.End.Equal(closed.End) || b.Length != 10*time.Minute || b.Workstation != "ws-a" {
		t.Fatalf("break %+v, want closed at %v", b, closed.End)
	}
	if e := r.Events[0]; e.DurationMS != 2000 || !e.End.Equal(ev.End) || e.SHA256 != "ab" {
		t.Fatalf("event read back as %+v", e)
	}
	if r, _ := l.Records(ctx, "bob", time.Time{}, time.Time{}); len(r.Events)+len(r.Breaks)+len(r.Reviews) != 0 {
		t.Fatalf("bob's records %+v", r)
	}
	if r, _ := l.Records(ctx, "", at.Add(time.Second), at.Add(2*time.Minute)); len(r.Events) != 0 || len(r.Reviews) != 1 {
		t.Fatalf("time window: %d events, %d reviews; want 0, 1", len(r.Events), len(r.Reviews))
	}
	entries, err := l.Audit(ctx)
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit %d entries (%v), want 3: two from ws-a, one from ws-b", len(entries), err)
	}
	if ck, err := l.VerifyAudit(ctx); err != nil || !ck.OK || ck.Entries != 3 {
		t.Fatalf("verify %+v, %v", ck, err)
	}
	// Tampering with a stored entry breaks the chain where it happened.
	if _, err := l.Pool().Exec(ctx, `UPDATE audit SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 'sign-in', 'sign-on'), 'UTF8') WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	if ck, err := l.VerifyAudit(ctx); err != nil || ck.OK || ck.BrokenAt != 2 {
		t.Fatalf("verify after tampering: %+v, %v", ck, err)
	}
}
