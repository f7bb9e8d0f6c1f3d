package lab

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"scrim/lab/labtest"
)

// A migration that fails leaves nothing behind: not its tables, not its
// row in schema_migrations; the ones before it stay applied.
func TestMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, labtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ms := []Migration{
		{Version: 1, Name: "0001_good", SQL: `CREATE TABLE good (x int)`},
		{Version: 2, Name: "0002_bad", SQL: `CREATE TABLE half (x int); SELECT 1/0`},
	}
	done, err := l.migrate(ctx, ms)
	if err == nil || !strings.Contains(err.Error(), "0002_bad") || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("migrate returned %v, want the failing migration named with PostgreSQL's reason", err)
	}
	if len(done) != 1 || done[0].Name != "0001_good" {
		t.Fatalf("applied %v, want 0001_good alone", done)
	}
	var half, good bool
	l.pool.QueryRow(ctx, `SELECT to_regclass('half') IS NOT NULL, to_regclass('good') IS NOT NULL`).Scan(&half, &good)
	applied, err := l.applied(ctx)
	if err != nil || half || !good || len(applied) != 1 || applied[1] != "0001_good" {
		t.Fatalf("after the failure: half %v, good %v, applied %v (%v)", half, good, applied, err)
	}
}

func TestLoadMigrations(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"no number":  {"migrations/people.sql": {}},
		"short":      {"migrations/01_people.sql": {}},
		"duplicated": {"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}},
	} {
		if _, err := loadMigrations(files); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ms, err := loadMigrations(fstest.MapFS{"migrations/0100_library.sql": {Data: []byte("x")}, "migrations/0002_b.sql": {}, "migrations/0001_a.sql": {}})
	if err != nil || len(ms) != 3 || ms[0].Version != 1 || ms[2].Version != 100 || ms[2].SQL != "x" {
		t.Fatalf("loaded %+v, %v", ms, err)
	}
	if len(migrations) == 0 || migrations[0].Name != "0001_people" {
		t.Fatalf("embedded migrations %+v", migrations)
	}
}
