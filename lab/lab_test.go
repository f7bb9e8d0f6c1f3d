package lab_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"scrim/lab"
	"scrim/lab/labtest"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv("SCRIM_LAB_CHILD_HOME"); dir != "" { // a workstation process of TestWorkstationProcesses
		os.Exit(workstationChild(dir, os.Getenv("SCRIM_LAB_CHILD_URL")))
	}
	if dir := os.Getenv("SCRIM_LIB_CHILD_CASE"); dir != "" { // a deciding process of TestLibraryProcesses
		os.Exit(libraryChild(dir, os.Getenv("SCRIM_LAB_CHILD_URL")))
	}
	os.Exit(labtest.Main(m))
}

func open(t testing.TB, url string) *lab.Lab {
	t.Helper()
	l, err := lab.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func TestInitStatusAndCheck(t *testing.T) {
	url := labtest.Database(t)
	ctx := context.Background()
	l := open(t, url)
	st, err := l.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := lab.Migrations()
	if st.SchemaVersion != 0 || len(st.Pending) != len(all) || !strings.Contains(st.Server, "PostgreSQL") {
		t.Fatalf("fresh lab status %+v", st)
	}
	if err := l.Check(ctx); !errors.Is(err, lab.ErrSchema) {
		t.Fatalf("Check on an empty lab: %v", err)
	}
	done, err := l.Init(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != len(all) {
		t.Fatalf("applied %d of %d migrations", len(done), len(all))
	}
	if done, err = l.Init(ctx); err != nil || len(done) != 0 {
		t.Fatalf("second init applied %v, %v", done, err)
	}
	st, err = l.Status(ctx)
	if err != nil || st.SchemaVersion != all[len(all)-1].Version || len(st.Pending) != 0 || st.User != labtest.Admin {
		t.Fatalf("status after init %+v, %v", st, err)
	}
	if err := l.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// Several workstations running init at once: the advisory lock serializes
// them; every migration is applied exactly once.
func TestInitConcurrent(t *testing.T) {
	url := labtest.Database(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	applied := make([]int, 6)
	errs := make([]error, 6)
	for i := range applied {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := lab.Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer l.Close()
			done, err := l.Init(ctx)
			applied[i], errs[i] = len(done), err
		}()
	}
	wg.Wait()
	total := 0
	for i := range applied {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		total += applied[i]
	}
	if total != len(lab.Migrations()) {
		t.Fatalf("migrations applied %d times in all, want %d", total, len(lab.Migrations()))
	}
}

// The workstation role reads and writes only what it needs: no DELETE on
// the exposure record or the audit chain, no schema changes.
func TestWorkstationRoleGrants(t *testing.T) {
	url := labtest.Database(t)
	ctx := context.Background()
	if _, err := open(t, url).Init(ctx); err != nil {
		t.Fatal(err)
	}
	c := labtest.Get(t)
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	if err := c.Exec(db, `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ws_grants') THEN
		CREATE ROLE ws_grants LOGIN IN ROLE scrim_workstation; END IF; END $$`); err != nil {
		t.Fatal(err)
	}
	ws := open(t, c.RoleURL(db, "ws_grants"))
	if err := ws.Check(ctx); err != nil {
		t.Fatalf("workstation role cannot read the schema version: %v", err)
	}
	pool := ws.Pool()
	if _, err := pool.Exec(ctx, `INSERT INTO exposure (workstation, id, examiner, mode, start_at) VALUES ('w', '1', 'eve', 'reveal', now())`); err != nil {
		t.Fatalf("workstation cannot record exposure: %v", err)
	}
	for _, sql := range []string{
		`DELETE FROM exposure`,
		`DELETE FROM audit`,
		`UPDATE audit SET entry = ''`,
		`CREATE TABLE evil (x int)`,
		`DROP TABLE profiles`,
		`INSERT INTO schema_migrations VALUES (9999, 'x')`,
	} {
		if _, err := pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "denied") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("%s as the workstation role: %v, want permission denied", sql, err)
		}
	}
}
