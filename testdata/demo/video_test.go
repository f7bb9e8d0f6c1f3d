package demo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"scrim/categorize"
	"scrim/ingest"
	"scrim/ingest/evidence"
	"scrim/store"
)

// The demo's re-encoded video is suggested the category its original gets.
func TestDemoVideoSuggestion(t *testing.T) {
	if !withFFmpeg() {
		t.Skip("ffmpeg not installed")
	}
	m := generate(t, Options{Scenes: MinScenes, Size: 128, Videos: true})
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err := evidence.Open(m.Root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(st, ingest.Options{}).Ingest(context.Background(), src, "demo"); err != nil {
		t.Fatal(err)
	}
	sha := map[string]string{}
	st.EachOccurrence("", func(o store.Occurrence) error {
		sha[strings.TrimPrefix(o.Path, "/")] = o.SHA256
		return nil
	})
	orig, small := sha["Users/alex/Videos/birthday.mp4"], sha["Users/alex/Downloads/birthday_small.mp4"]
	for _, s := range []string{orig, small} {
		if md, _, _ := st.Media(s); len(md.Frames) < 3 || md.Error != "" {
			t.Fatalf("%s: %d frames, error %q", s, len(md.Frames), md.Error)
		}
	}
	scheme, _ := categorize.SchemeByID("vic-us")
	if err := categorize.NewEngine(st, scheme).Decide(context.Background(), "demo", "1", []string{orig}); err != nil {
		t.Fatal(err)
	}
	c, _, err := st.Category(small)
	if err != nil || c.Category != "1" || !strings.HasPrefix(c.Source, "suggested:"+orig) {
		t.Fatalf("re-encoded copy: %+v, %v", c, err)
	}
	t.Logf("birthday_small.mp4: category %s from %s", c.Category, c.Source)
}
