package picture

import (
	"strings"
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
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				_, err := a.Analyze(cut, "jpeg")
				if err == nil || !strings.Contains(err.Error(), "truncated") {
					errs <- "not reported as truncated"
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
