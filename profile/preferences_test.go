package profile

import (
	"path/filepath"
	"testing"
	"time"
)

func TestPreferencesAreKeptPerExaminer(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	h := openHome(t, dir, c)
	if err := h.AddProfile(nil, "sam", RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	sam, _ := h.SignIn("sam", "2468")
	if err := h.AddProfile(sam, "eve", RoleExaminer, "1357"); err != nil {
		t.Fatal(err)
	}
	eve, _ := h.SignIn("eve", "1357")
	if p, err := h.Preferences(eve); err != nil || p.TileFacts {
		t.Fatalf("fresh preferences %+v %v: tile facts must start off", p, err)
	}
	if err := h.SetPreferences(eve, Preferences{TileFacts: true}); err != nil {
		t.Fatal(err)
	}
	if p, _ := h.Preferences(sam); p.TileFacts {
		t.Fatal("eve's preference leaked to sam")
	}
	if err := h.SetPreferences(nil, Preferences{}); err == nil {
		t.Fatal("preferences saved without a session")
	}
	h.Close()
	h = openHome(t, dir, c)
	defer h.Close()
	eve, _ = h.SignIn("eve", "1357")
	if p, err := h.Preferences(eve); err != nil || !p.TileFacts {
		t.Fatalf("after reopening: %+v %v, want tile facts on", p, err)
	}
}

func TestRecentCasesLatestFirstAcrossExaminers(t *testing.T) {
	h, c, sam, eve := setup(t)
	root := t.TempDir()
	for i, name := range []string{"a", "b", "a"} {
		c.Add(time.Minute)
		s := eve
		if i == 2 {
			s = sam
		}
		if err := h.CaseOpened(s, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	list, err := h.RecentCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Dir != filepath.Join(root, "a") || list[0].By != "sam" || list[1].Dir != filepath.Join(root, "b") {
		t.Fatalf("recent cases %+v, want a (by sam) then b", list)
	}
	for i := range MaxRecentCases + 3 {
		h.CaseOpened(eve, filepath.Join(root, "c", string(rune('a'+i))))
	}
	if list, _ := h.RecentCases(); len(list) != MaxRecentCases {
		t.Fatalf("%d recent cases kept, want at most %d", len(list), MaxRecentCases)
	}
}

func TestTileFactsPolicySwitch(t *testing.T) {
	h, _, sam, _ := setup(t)
	p, _ := h.Policy()
	if !p.TileFactsAllowed {
		t.Fatal("tile facts not allowed by the default policy")
	}
	p.TileFactsAllowed = false
	if err := h.SetPolicy(sam, "2468", p); err != nil {
		t.Fatal(err)
	}
	if q, _ := h.Policy(); q.TileFactsAllowed {
		t.Fatal("policy switch not kept")
	}
}

// A short day beside a long limit: the axis follows the day, so its bar
// shows (the old scale ran to 1.1 × the limit, 1320 s, and lost it).
func TestChartAxisFollowsTheData(t *testing.T) {
	day := func(secs ...float64) ExaminerSummary {
		var s ExaminerSummary
		for _, v := range secs {
			s.Days = append(s.Days, DayFigures{Date: "2026-11-23", RevealedSeconds: v})
		}
		return s
	}
	for _, c := range []struct {
		s       ExaminerSummary
		limit   time.Duration
		top     float64
		onScale bool
	}{
		{day(10), 20 * time.Minute, 15, false},
		{day(10, 400), 20 * time.Minute, 1500, true},
		{day(), 20 * time.Minute, 1500, true},
		{day(73), time.Minute, 100, true},
		{day(3), 0, 4, false},
	} {
		top, on := ChartAxis(c.s, c.limit)
		if top != c.top || on != c.onScale {
			t.Errorf("ChartAxis(%v, %s) = %v, %v; want %v, %v", c.s.Days, c.limit, top, on, c.top, c.onScale)
		}
	}
	img := Chart(day(10), 20*time.Minute, 400, 200)
	bars := 0
	for y := range 200 {
		for x := range 400 {
			if img.At(x, y) == barColour {
				bars++
			}
		}
	}
	if bars < 5000 { // the old 1320 s axis drew it 1 px high
		t.Fatalf("a 10 s day under a 20 min limit draws %d bar pixels", bars)
	}
}
