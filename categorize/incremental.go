package categorize

import (
	"context"
	"fmt"

	"scrim/store"
)

// SuggestFrom is Suggest for a few media whose category just changed (an
// examiner's decisions and undos in the workstation): their near-duplicates
// get the new category as a suggestion, or lose the suggestion when the
// media no longer has a category from an examiner or a hash set. The
// fingerprint tables are read from the store once and kept until
// ForgetTables, which an ingest must call: a full Suggest costs a read of
// every media record, this costs a few index queries.
func (e *Engine) SuggestFrom(ctx context.Context, shas []string) error {
	tb, err := e.cachedTables()
	if err != nil {
		return err
	}
	for _, sha := range shas {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, ok, err := e.st.Category(sha)
		if err != nil {
			return err
		}
		if ok && decisive(c) {
			if err := e.suggestFrom(tb, sha, c); err != nil {
				return err
			}
			continue
		}
		for _, tg := range tb.nearTargets(sha, e.rule) {
			if err := e.st.RemoveAssignment(tg.sha, store.Assignment{Kind: "suggested", Source: sha}); err != nil {
				return fmt.Errorf("withdraw suggestion from %s: %w", sha, err)
			}
			if _, err := e.Recompute(tg.sha); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForgetTables drops the fingerprint tables SuggestFrom keeps, after the
// case gained media.
func (e *Engine) ForgetTables() {
	e.tablesMu.Lock()
	e.tables = nil
	e.tablesMu.Unlock()
}

func (e *Engine) cachedTables() (*tables, error) {
	e.tablesMu.Lock()
	defer e.tablesMu.Unlock()
	if e.tables == nil {
		tb, err := e.buildTables()
		if err != nil {
			return nil, err
		}
		e.tables = tb
	}
	return e.tables, nil
}
