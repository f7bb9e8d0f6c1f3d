package profile_test

import (
	"testing"

	"scrim/profile"
	"scrim/profile/hometest"
)

// The workstation suite on the embedded store; lab/home_test.go runs the
// same suite joined to a lab.
func TestHomeSuiteEmbedded(t *testing.T) {
	hometest.Run(t, func(t *testing.T, opt profile.Options) *profile.Home {
		h, err := profile.Open(t.TempDir(), opt)
		if err != nil {
			t.Fatal(err)
		}
		return h
	})
}
