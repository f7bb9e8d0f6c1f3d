package evidence

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestSuperviseAbandonsAStuckReader(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var got []string
	start := time.Now()
	err := supervise(context.Background(), 200*time.Millisecond, func(e Entry) error {
		got = append(got, e.Path)
		return nil
	}, func(emit func(Entry) error) error {
		emit(Entry{Path: "/before"})
		<-release // a parser grinding on a crafted structure
		emit(Entry{Path: "/after"})
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "no progress") || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	if len(got) != 1 || got[0] != "/before" {
		t.Fatalf("emitted %v", got)
	}
}

func TestSuperviseDoesNotCountBackPressure(t *testing.T) {
	err := supervise(context.Background(), 100*time.Millisecond, func(e Entry) error {
		time.Sleep(300 * time.Millisecond) // the pipeline is busy, the reader is not stuck
		return nil
	}, func(emit func(Entry) error) error {
		for i := 0; i < 3; i++ {
			if err := emit(Entry{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("slow consumer was taken for a stuck reader: %v", err)
	}
}
