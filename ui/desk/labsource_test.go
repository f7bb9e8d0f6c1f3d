package desk

import (
	"testing"

	"scrim/store"
)

func TestLabCategorySource(t *testing.T) {
	if got := categorySource(store.Category{Source: store.LabSource("A-1/ann").String()}); got != "lab A-1/ann" {
		t.Errorf("exact: %q", got)
	}
	if got := categorySource(store.Category{Source: store.LabSuggestion("A-1/ann", 4).String()}); got != "suggested by lab A-1/ann (d=4)" {
		t.Errorf("near: %q", got)
	}
}
