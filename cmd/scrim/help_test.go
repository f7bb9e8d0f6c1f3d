package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Help asked for is printed on stdout with exit 0, whichever way it is
// asked: scrim CMD --help, scrim CMD -h, scrim help CMD, for commands of
// subcommands too.
func TestHelpGoesToStdout(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "scrim ingest --case"},
		{[]string{"help"}, "scrim ingest --case"},
		{[]string{"ingest", "--help"}, "--case"},
		{[]string{"ingest", "-h"}, "--case"},
		{[]string{"help", "ingest"}, "--case"},
		{[]string{"files", "--format", "csv", "--help"}, "--format"},
		{[]string{"help", "policy", "set"}, "--tile-facts"},
		{[]string{"policy", "set", "--help"}, "--tile-facts"},
		{[]string{"policy", "--help"}, "scrim policy show|set"},
		{[]string{"help", "hashset"}, "scrim hashset import"},
		{[]string{"help", "exposure"}, "--examiner"},
	} {
		var out, errs bytes.Buffer
		code := run(context.Background(), c.args, &out, &errs)
		if code != 0 || !strings.Contains(out.String(), c.want) || errs.Len() != 0 {
			t.Errorf("scrim %s: exit %d, stdout %q, stderr %q; want exit 0 and %q on stdout",
				strings.Join(c.args, " "), code, out.String(), errs.String(), c.want)
		}
	}
	// A real mistake still goes to stderr with exit 2.
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"help", "frobnicate"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), "unknown command") {
		t.Errorf("scrim help frobnicate: exit %d, stderr %q", code, errs.String())
	}
}
