package report

import (
	"strings"
	"testing"
	"time"
)

// The report's "What could not be read" lists each evidence item's
// unreadable places and the ingest's notes, one row per note.
func TestWhatCouldNotBeRead(t *testing.T) {
	st := smallCase(t)
	ev, _, err := st.Evidence("EX1")
	if err != nil {
		t.Fatal(err)
	}
	ev.Notes = []string{"LUKS2 encrypted volume at offset 1048576 (31 MiB): not read, the key is needed",
		"space outside partitions at offset 33554432 (1 MiB): carved 1 picture"}
	if err := st.PutEvidence(ev); err != nil {
		t.Fatal(err)
	}
	r, err := Build(st, Options{Tool: "scrim test", Now: time.Unix(1e9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := st.Stats()
	blocks := r.Blocks()
	for i, b := range blocks {
		if b.Kind != "h3" || b.Text != "What could not be read" {
			continue
		}
		g := blocks[i+2].Table
		if g == nil || len(g.Rows) != 3 {
			t.Fatalf("table %+v", blocks[i+2])
		}
		want := [][]string{
			{"EX1", num(s.Evidence[0].Errors), ev.Notes[0]},
			{"", "", ev.Notes[1]},
			{"EX2", num(s.Evidence[1].Errors), "none"},
		}
		for k, row := range g.Rows {
			if strings.Join(row, "|") != strings.Join(want[k], "|") {
				t.Errorf("row %d %q, want %q", k, row, want[k])
			}
		}
		if s.Evidence[0].Errors != 1 {
			t.Errorf("EX1 has %d unreadable places, the fixture has 1", s.Evidence[0].Errors)
		}
		return
	}
	t.Fatal("no \"What could not be read\" section")
}
