package lab_test

import (
	"context"
	"strings"
	"testing"

	"scrim/lab/labtest"
	"scrim/profile"
	"scrim/profile/peopletest"
)

// initLab is a migrated lab in a fresh database.
func initLab(t *testing.T) (url string) {
	t.Helper()
	url = labtest.Database(t)
	if _, err := open(t, url).Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return url
}

// workstationURL is url as a workstation login role, a member of
// scrim_workstation with only the GRANTs lab init gives it.
func workstationURL(t *testing.T, url string) string {
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
