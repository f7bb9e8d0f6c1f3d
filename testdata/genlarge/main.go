// Command genlarge writes the evidence of the large read-path benchmark
// (package scrim/testdata/large): TAR archives of small generated pictures,
// each distinct picture appearing several times.
//
//	genlarge -out DIR -occurrences 10000000 -unique 1000000
package main

import (
	"flag"
	"fmt"
	"os"

	"scrim/testdata/large"
)

func main() {
	out := flag.String("out", "", "folder to write the archives into (created; must be empty)")
	occurrences := flag.Int("occurrences", 1_000_000, "members in all archives together")
	unique := flag.Int("unique", 0, "distinct pictures (default occurrences/10)")
	perTar := flag.Int("per-tar", 500_000, "members per archive (at most 1,000,000: what ingest expands of one file)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: genlarge -out DIR [-occurrences N] [-unique U] [-per-tar M]")
		os.Exit(2)
	}
	if *unique <= 0 {
		*unique = max(1, *occurrences/10)
	}
	if err := large.Generate(*out, *occurrences, *unique, *perTar); err != nil {
		fmt.Fprintln(os.Stderr, "genlarge:", err)
		os.Exit(1)
	}
}
