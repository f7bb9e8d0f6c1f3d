// Command gendemo writes Scrim's generated demo evidence, a bulk benchmark
// tree, or benchmark JPEGs, and prints a one-line summary.
//
//	go run ./testdata/gendemo -out DIR [-seed N] [-videos]
//	go run ./testdata/gendemo -out DIR [-seed N] -bulk BYTES [-pictures N]
//	go run ./testdata/gendemo -out DIR [-seed N] -jpegs N [-w W -h H -q Q]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"scrim/testdata/demo"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gendemo", flag.ContinueOnError)
	out := fs.String("out", "", "directory to create (must not exist or be empty)")
	seed := fs.Int64("seed", 1, "seed; the same seed gives the same bytes")
	videos := fs.Bool("videos", false, "demo: also make tiny videos with ffmpeg")
	scenes := fs.Int("scenes", 0, "demo: number of base pictures (0: default)")
	size := fs.Int("size", 0, "demo: longest side of base pictures in px (0: default)")
	bulk := fs.Int64("bulk", 0, "bulk: write at least this many bytes of mixed content")
	pictures := fs.Int("pictures", 0, "bulk: number of ~1 MP JPEGs among the bulk")
	jpegs := fs.Int("jpegs", 0, "write this many photographic-looking JPEGs")
	w := fs.Int("w", 4000, "jpegs: width")
	h := fs.Int("h", 3000, "jpegs: height")
	q := fs.Int("q", 90, "jpegs: JPEG quality")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: gendemo -out DIR [-seed N] [-videos | -bulk BYTES -pictures N | -jpegs N -w W -h H -q Q]")
	}
	if *bulk > 0 && *jpegs > 0 {
		return fmt.Errorf("-bulk and -jpegs are exclusive")
	}
	start := time.Now()
	switch {
	case *jpegs > 0:
		paths, err := demo.GenerateJPEGs(*out, *jpegs, *w, *h, *q, *seed)
		if err != nil {
			return err
		}
		fmt.Printf("gendemo: %d JPEGs of %dx%d q%d in %s (%s)\n", len(paths), *w, *h, *q, *out, time.Since(start).Round(time.Millisecond))
		return nil
	case *bulk > 0:
		m, err := demo.GenerateBulk(*out, *bulk, *pictures, *seed)
		if err != nil {
			return err
		}
		summary(m, start)
		return nil
	}
	m, err := demo.Generate(*out, demo.Options{Seed: *seed, Scenes: *scenes, Size: *size, Videos: *videos})
	if err != nil {
		return err
	}
	summary(m, start)
	return nil
}

// summary prints one line: files by kind, bytes, time, and any notes.
func summary(m *demo.Manifest, start time.Time) {
	kinds := map[string]int{}
	for _, f := range m.Files {
		kinds[f.Kind]++
	}
	line := fmt.Sprintf("gendemo: %d files (%d pictures, %d videos, %d other), %.1f MB in %s (%s)",
		len(m.Files), kinds[demo.KindPicture], kinds[demo.KindVideo], kinds[demo.KindOther],
		float64(m.Bytes())/1e6, m.Root, time.Since(start).Round(time.Millisecond))
	for _, n := range m.Notes {
		line += "; " + n
	}
	fmt.Println(line)
}
