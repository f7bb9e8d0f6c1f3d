package lab_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"scrim/lab/labtest"
	"scrim/profile"
	"scrim/profile/peopletest"
)

// initLab is a migrated lab in a fresh database.
func initLab(t testing.TB) (url string) {
	t.Helper()
	url = labtest.Database(t)
	if _, err := open(t, url).Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return url
}

// workstationURL is url as a workstation login role, a member of
// scrim_workstation with only the GRANTs lab init gives it.
func workstationURL(t testing.TB, url string) string {
	t.Helper()
	c := labtest.Get(t)
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	if err := c.Exec(db, `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ws_test') THEN
		CREATE ROLE ws_test LOGIN IN ROLE scrim_workstation; END IF; END $$`); err != nil {
		t.Fatal(err)
	}
	return c.RoleURL(db, "ws_test")
}

func TestLabPeople(t *testing.T) {
	peopletest.Run(t, func(t *testing.T) profile.People { return open(t, initLab(t)) })
}

// Two workstations adding profiles at once: exactly one first supervisor,
// and one profile of a name, whose PIN is the one that won.
func TestAddProfileRace(t *testing.T) {
	url := initLab(t)
	c := newClock()
	homes := []*profile.Home{openHome(t, t.TempDir(), url, c.Now), openHome(t, t.TempDir(), url, c.Now), openHome(t, t.TempDir(), url, c.Now)}
	defer func() {
		for _, h := range homes {
			h.Close()
		}
	}()
	errs := make(chan error, len(homes))
	for i, h := range homes {
		go func() { errs <- h.AddProfile(nil, fmt.Sprintf("sup%d", i), profile.RoleSupervisor, "2468") }()
	}
	ok := 0
	for range homes {
		if err := <-errs; err == nil {
			ok++
		} else if !errors.Is(err, profile.ErrNotAllowed) {
			t.Fatal(err)
		}
	}
	ps, err := homes[0].Profiles()
	if err != nil || ok != 1 || len(ps) != 1 {
		t.Fatalf("%d first supervisors added, profiles %+v (%v)", ok, ps, err)
	}
	sup := signIn(t, homes[0], ps[0].Name, "2468")
	pins := []string{"1111", "2222", "3333"}
	for i, h := range homes {
		s := sup
		if i > 0 {
			s = signIn(t, h, ps[0].Name, "2468")
		}
		go func() { errs <- h.AddProfile(s, "eve", profile.RoleExaminer, pins[i]) }()
	}
	ok = 0
	for range homes {
		if err := <-errs; err == nil {
			ok++
		} else if !errors.Is(err, profile.ErrExists) {
			t.Fatal(err)
		}
	}
	won := 0
	for _, p := range pins {
		if _, err := homes[1].SignIn("eve", p); err == nil {
			won++
		}
	}
	if ok != 1 || won != 1 {
		t.Fatalf("%d adds of eve succeeded, %d PINs work; want 1 and 1", ok, won)
	}
}
