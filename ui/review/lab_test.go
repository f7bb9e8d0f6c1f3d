package review

import (
	"testing"

	"scrim/store"
)

// A lab match counts as known material, a lab near-duplicate as a
// suggestion still needing review.
func TestLabSources(t *testing.T) {
	var exact, near Item
	setCategory(&exact, store.Category{Category: "1", Source: store.LabSource("A-1/ann").String()})
	setCategory(&near, store.Category{Category: "1", Source: store.LabSuggestion("A-1/ann", 4).String()})
	if exact.Source != "lab" || near.Source != "suggested" {
		t.Fatalf("sources %q %q", exact.Source, near.Source)
	}
}
