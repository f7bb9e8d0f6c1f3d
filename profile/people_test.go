package profile_test

import (
	"testing"

	"scrim/profile"
	"scrim/profile/peopletest"
)

func TestEmbeddedPeople(t *testing.T) {
	peopletest.Run(t, func(t *testing.T) profile.People {
		p, closeDB, err := profile.NewEmbeddedPeople(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeDB() })
		return p
	})
}
