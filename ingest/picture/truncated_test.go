package picture

import (
	"fmt"
	"sync"
	"testing"
)

// TestTruncatedIsAlwaysTruncated: the same bytes must give the same verdict
// on every goroutine and OS thread (TurboJPEG keeps messages thread-local;
// reading one from another thread once let a truncated JPEG pass as whole).
func TestTruncatedIsAlwaysTruncated(t *testing.T) {
	full := encJPEG(t, photo(800, 600, 3), 90)
	cut := full[:len(full)*4/10]
	a := NewAnalyzer(Options{})
	_, first := a.Analyze(cut, "jpeg")
	if first == nil {
		t.Fatal("a truncated JPEG decoded without an error")
	}
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				_, err := a.Analyze(cut, "jpeg")
				if err == nil || err.Error() != first.Error() {
					errs <- fmt.Sprintf("verdict changed: %v, first %v", err, first)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
