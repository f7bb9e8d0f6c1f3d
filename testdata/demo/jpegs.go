package demo

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
)

// GenerateJPEGs writes n photographic-looking w×h JPEGs at the given quality
// into root (which must not exist or be empty), for the picture-path
// benchmark, and returns their paths in order. Pictures are made on up to
// four cores; each needs about 8 bytes per pixel while it is made.
func GenerateJPEGs(root string, n, w, h, quality int, seed int64) ([]string, error) {
	if n < 0 || w < 1 || h < 1 || quality < 1 || quality > 100 {
		return nil, fmt.Errorf("demo: bad JPEG request n=%d %dx%d q=%d", n, w, h, quality)
	}
	wr, err := newWriter(root)
	if err != nil {
		return nil, err
	}
	paths := make([]string, n)
	errs := make([]error, n)
	var mu sync.Mutex // guards wr
	sem := make(chan struct{}, min(runtime.GOMAXPROCS(0), 4))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			// One stream per picture: its content and date do not depend
			// on which worker made it or when.
			r := newRand(seed, streamJPEGs+uint64(i))
			data, err := encode(fmtJPEG, photo(r, i, w, h), quality)
			if err != nil {
				errs[i] = fmt.Errorf("picture %d: %w", i, err)
				return
			}
			f := File{Path: fmt.Sprintf("IMG_%05d.jpg", i), Type: fmtJPEG, Kind: KindPicture, Scene: -1, Variant: "original"}
			mu.Lock()
			defer mu.Unlock()
			errs[i] = wr.write(f, data, clock{r}.any())
			paths[i] = filepath.Join(root, f.Path)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if _, err := wr.finish(); err != nil {
		return nil, err
	}
	return paths, nil
}
