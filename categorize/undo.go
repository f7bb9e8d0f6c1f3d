package categorize

import (
	"context"
	"fmt"

	"scrim/store"
)

// Undo takes back an examiner's latest decision on one media that is not
// already taken back: the decision before it, or the media's other sources
// (hash sets, suggestions, or none), show again. Nothing is erased: an "undo"
// assignment naming the withdrawn decision joins the history, and the audit
// log records the change.
func (e *Engine) Undo(ctx context.Context, examiner, sha string) (store.Category, error) {
	as, err := e.st.Assignments(sha)
	if err != nil {
		return store.Category{}, err
	}
	withdrawn := map[int64]bool{}
	for _, a := range as {
		if a.Kind == "undo" {
			withdrawn[a.Withdraws.UnixNano()] = true
		}
	}
	var last *store.Assignment
	for i := range as {
		a := &as[i]
		if a.Kind == "examiner" && !withdrawn[a.At.UnixNano()] && (last == nil || a.At.After(last.At)) {
			last = a
		}
	}
	if last == nil || last.Source != examiner {
		return store.Category{}, fmt.Errorf("no decision of %s's to undo on %s", examiner, sha)
	}
	before, _, err := e.st.Category(sha)
	if err != nil {
		return store.Category{}, err
	}
	at := e.now().UTC()
	a := store.Assignment{Kind: "undo", Source: examiner, At: at, Withdraws: last.At, Category: last.Category}
	if err := e.st.AddAssignment(sha, a); err != nil {
		return store.Category{}, err
	}
	after, err := e.Recompute(sha)
	if err != nil {
		return store.Category{}, err
	}
	if _, err := e.st.Audit(examiner, "categorize-undo", map[string]string{"sha256": sha,
		"old": before.Category, "old_source": before.Source, "new": after.Category, "new_source": after.Source}, at); err != nil {
		return store.Category{}, err
	}
	return after, ctx.Err()
}
