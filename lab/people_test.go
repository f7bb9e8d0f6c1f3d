package lab_test

import (
	"context"
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

func TestLabPeople(t *testing.T) {
	peopletest.Run(t, func(t *testing.T) profile.People { return open(t, initLab(t)) })
}
