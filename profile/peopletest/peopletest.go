// Package peopletest is the one test suite every profile.People passes:
// the workstation's Badger store and the lab's PostgreSQL.
package peopletest

import (
	"context"
	"errors"
	"testing"
	"time"

	"scrim/profile"
)

const hash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// Run runs the suite; fresh returns an empty People for each subtest.
func Run(t *testing.T, fresh func(t *testing.T) profile.People) {
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	update := func(t *testing.T, p profile.People, fn func(profile.PeopleTx) error) {
		t.Helper()
		if err := p.UpdatePeople(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("Empty", func(t *testing.T) {
		p := fresh(t)
		update(t, p, func(tx profile.PeopleTx) error {
			if any, err := tx.HasProfiles(); err != nil || any {
				t.Errorf("HasProfiles on an empty store: %v, %v", any, err)
			}
			if _, found, err := tx.Profile("sam"); err != nil || found {
				t.Errorf("Profile on an empty store: %v, %v", found, err)
			}
			if pol, err := tx.Policy(); err != nil || pol != profile.DefaultPolicy {
				t.Errorf("Policy on an empty store: %+v, %v", pol, err)
			}
			return nil
		})
	})

	t.Run("Profiles", func(t *testing.T) {
		p := fresh(t)
		update(t, p, func(tx profile.PeopleTx) error {
			for _, pr := range []profile.Profile{
				{Name: "sam", Role: profile.RoleSupervisor, Created: at, PINHash: hash},
				{Name: "eve", Role: profile.RoleExaminer, Created: at, CreatedBy: "sam", PINHash: hash},
			} {
				if err := tx.PutProfile(pr); err != nil {
					return err
				}
			}
			return nil
		})
		lock := at.Add(time.Minute)
		update(t, p, func(tx profile.PeopleTx) error {
			pr, found, err := tx.Profile("eve")
			if err != nil || !found {
				t.Fatalf("Profile(eve): %v, %v", found, err)
			}
			if pr.Role != profile.RoleExaminer || pr.CreatedBy != "sam" || pr.PINHash != hash || !pr.Created.Equal(at) {
				t.Errorf("eve read back as %+v", pr)
			}
			pr.Failures, pr.LockedUntil = 5, lock
			return tx.PutProfile(pr)
		})
		update(t, p, func(tx profile.PeopleTx) error {
			pr, _, err := tx.Profile("eve")
			if err != nil || pr.Failures != 5 || !pr.LockedUntil.Equal(lock) {
				t.Errorf("eve after a lockout: %+v, %v", pr, err)
			}
			pr.Failures, pr.LockedUntil = 0, time.Time{}
			if err := tx.PutProfile(pr); err != nil {
				return err
			}
			if pr, _, _ = tx.Profile("eve"); !pr.LockedUntil.IsZero() {
				t.Errorf("lock not cleared: %+v", pr)
			}
			list, err := tx.Profiles()
			if err != nil {
				return err
			}
			if len(list) != 2 || list[0].Name != "eve" || list[1].Name != "sam" {
				t.Errorf("Profiles = %+v, want eve, sam", list)
			}
			for _, pr := range list {
				if pr.PINHash != "" {
					t.Errorf("Profiles hands out %s's PIN hash", pr.Name)
				}
			}
			if any, err := tx.HasProfiles(); err != nil || !any {
				t.Errorf("HasProfiles: %v, %v", any, err)
			}
			return nil
		})
	})

	t.Run("Rollback", func(t *testing.T) {
		p := fresh(t)
		boom := errors.New("boom")
		err := p.UpdatePeople(ctx, func(tx profile.PeopleTx) error {
			if err := tx.PutProfile(profile.Profile{Name: "sam", Role: profile.RoleSupervisor, Created: at, PINHash: hash}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("UpdatePeople returned %v, want the function's error", err)
		}
		update(t, p, func(tx profile.PeopleTx) error {
			if any, _ := tx.HasProfiles(); any {
				t.Error("a failed transaction left a profile behind")
			}
			return nil
		})
	})

	t.Run("Policy", func(t *testing.T) {
		p := fresh(t)
		want := profile.DefaultPolicy
		want.MaxReveal, want.ColourAllowed, want.LabGrace = 9*time.Second, true, 3*time.Minute
		update(t, p, func(tx profile.PeopleTx) error { return tx.PutPolicy(want, "sam", at) })
		update(t, p, func(tx profile.PeopleTx) error {
			if got, err := tx.Policy(); err != nil || got != want {
				t.Errorf("Policy = %+v, %v; want %+v", got, err, want)
			}
			return nil
		})
	})
}
