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
//
// The undo assignment, the media's new category and the audit entry commit
// in one transaction.
func (e *Engine) Undo(ctx context.Context, examiner, sha string) (store.Category, error) {
	e.recompute.Lock()
	defer e.recompute.Unlock()
	var after store.Category
	err := e.st.UpdateAudited(func(tx *store.Tx) error {
		as, err := tx.Assignments(sha)
		if err != nil {
			return err
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
			return fmt.Errorf("no decision of %s's to undo on %s", examiner, sha)
		}
		before, _, err := tx.Category(sha)
		if err != nil {
			return err
		}
		at := e.decisionTime()
		a := store.Assignment{Kind: "undo", Source: examiner, At: at, Withdraws: last.At, Category: last.Category}
		if err := tx.AddAssignment(sha, a); err != nil {
			return err
		}
		if err := e.queueWithdrawal(tx, sha, a); err != nil {
			return err
		}
		if after, err = e.recomputeIn(tx, sha); err != nil {
			return err
		}
		_, err = tx.Audit(examiner, "categorize-undo", map[string]string{"sha256": sha,
			"old": before.Category, "old_source": before.Source, "new": after.Category, "new_source": after.Source}, at)
		return err
	})
	if err != nil {
		return store.Category{}, err
	}
	return after, ctx.Err()
}
