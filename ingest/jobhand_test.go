package ingest

import (
	"context"
	"testing"

	"scrim/ingest/evidence"
)

// TestJobHandBatches checks when the walk's jobs go to the workers: at
// once while nothing is queued (an idle worker is not kept waiting by a
// slow walk), in full batches while batches are queued.
func TestJobHandBatches(t *testing.T) {
	ctx := context.Background()
	jobs := make(chan []job, 4)
	h := jobHand{free: make(chan []job, 4)}
	small := job{entry: evidence.Entry{Size: 10}}
	if err := h.add(ctx, jobs, small); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || len(h.batch) != 0 {
		t.Fatalf("first job with an empty queue: %d batches queued, %d jobs held", len(jobs), len(h.batch))
	}
	for range jobBatchMax - 1 {
		if err := h.add(ctx, jobs, small); err != nil {
			t.Fatal(err)
		}
	}
	if len(jobs) != 1 || len(h.batch) != jobBatchMax-1 {
		t.Fatalf("with a batch queued: %d batches queued, %d jobs held, want 1 and %d", len(jobs), len(h.batch), jobBatchMax-1)
	}
	if err := h.add(ctx, jobs, small); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || len(h.batch) != 0 {
		t.Fatalf("a full batch was not handed on: %d batches queued, %d jobs held", len(jobs), len(h.batch))
	}
	<-jobs
	<-jobs
	if err := h.add(ctx, jobs, small); err != nil {
		t.Fatal(err)
	}
	if b := <-jobs; len(b) != 1 {
		t.Fatalf("once the queue emptied, a batch of %d went, want 1", len(b))
	}
}
