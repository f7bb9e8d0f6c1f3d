package categorize

import (
	"strings"
	"testing"
)

func TestBuiltinSchemesAreValid(t *testing.T) {
	for _, s := range Builtin() {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
	}
	if s, ok := SchemeByID("vic-us"); !ok || s.Categories[1].Code != "1" || !s.Categories[1].Illegal {
		t.Fatalf("Project VIC US category 1 must be the illegal one: %+v", s)
	}
}

func TestLoadScheme(t *testing.T) {
	good := `{"id":"lab","name":"Lab","categories":[{"code":"X","label":"Relevant","key":"1"},{"code":"Y","label":"Other","key":"2"}]}`
	if _, err := LoadScheme(strings.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`{"id":"lab","categories":[]}`,
		`{"id":"lab","categories":[{"code":"X","label":"a","key":"1"},{"code":"X","label":"b","key":"2"}]}`,
		`{"id":"lab","categories":[{"code":"X","label":"a","key":"1"},{"code":"Y","label":"b","key":"1"}]}`,
		`{"id":"lab","colour":"red","categories":[{"code":"X","label":"a"}]}`,
		`not json`,
	} {
		if _, err := LoadScheme(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
