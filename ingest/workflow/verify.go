package workflow

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"scrim/ingest"
	"scrim/ingest/evidence"
	"scrim/store"
)

// verify hashes a disk image's whole media, compares it with the stored
// acquisition hashes, and records the outcome on the evidence record and in
// the audit log. Folders and loose files have nothing to verify: that is a
// note, not an error.
func verify(ctx context.Context, st *store.Store, src evidence.Source, id string, opt Options,
	stage func(string, string, func() ingest.Progress) func(), note func(string, string)) (*store.Verification, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	var done, total atomic.Int64
	start := now()
	end := stage("verify", id, func() ingest.Progress {
		return ingest.Progress{BytesDone: done.Load(), BytesTotal: total.Load(), TotalKnown: true, Started: start}
	})
	v, err := evidence.Verify(ctx, src, func(d, t int64) { done.Store(d); total.Store(t) })
	end()
	if errors.Is(err, evidence.ErrNothingToVerify) {
		note(id, "not a disk image; nothing to verify")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", id, err)
	}
	out := &store.Verification{Status: v.Status, Computed: v.Computed, At: now().UTC(), Detail: v.Detail}
	ev, ok, err := st.Evidence(id)
	if err != nil || !ok {
		return nil, fmt.Errorf("record verification of %s: evidence record missing (%v)", id, err)
	}
	ev.Verification = out
	if err := st.PutEvidence(ev); err != nil {
		return nil, err
	}
	_, err = st.Audit(ev.Examiner, "verify", map[string]string{"evidence": id, "status": out.Status,
		"md5": out.Computed["md5"], "sha1": out.Computed["sha1"], "detail": out.Detail}, out.At)
	return out, err
}
