package lab

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Migrations are lab/migrations/NNNN_name.sql, applied in order, each in
// one transaction together with its row in schema_migrations.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one versioned schema step.
type Migration struct {
	Version int
	Name    string // file name without .sql
	SQL     string
}

var migrations = mustLoad(migrationFS)

// migrateLock is the advisory lock key that serializes migrations from
// several workstations or administrators at once ("scrimlab" in ASCII).
const migrateLock int64 = 0x7363_7269_6d6c_6162

func mustLoad(fsys fs.FS) []Migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err) // embedded at build time: a bad name is a programming error
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("migration %s: name it NNNN_name.sql", n)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, n, v)
		}
		seen[v] = n
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrations lists the migrations this scrim carries.
func Migrations() []Migration { return append([]Migration(nil), migrations...) }

const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now())`

// applied reads schema_migrations (empty when the table does not exist yet).
func (l *Lab) applied(ctx context.Context) (map[int]string, error) {
	out := map[int]string{}
	var exists bool
	if err := l.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("lab %s: read schema version: %w", l.url, err)
	}
	if !exists {
		return out, nil
	}
	rows, err := l.pool.Query(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("lab %s: read schema version: %w", l.url, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		var n string
		if err := rows.Scan(&v, &n); err != nil {
			return nil, fmt.Errorf("lab %s: read schema version: %w", l.url, err)
		}
		out[v] = n
	}
	return out, rows.Err()
}

// Init creates or migrates the lab's schema (and the scrim_workstation
// role with its GRANTs) and returns the migrations it applied. Two callers
// at once serialize on an advisory lock; the second finds nothing to do.
func (l *Lab) Init(ctx context.Context) ([]Migration, error) {
	return l.migrate(ctx, migrations)
}

func (l *Lab) migrate(ctx context.Context, ms []Migration) ([]Migration, error) {
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", l.url, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return nil, fmt.Errorf("lab %s: wait for the migration lock: %w", l.url, err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLock)
	if _, err := conn.Exec(ctx, createMigrations); err != nil {
		return nil, fmt.Errorf("lab %s: create schema_migrations: %w", l.url, explain(err))
	}
	applied, err := l.applied(ctx)
	if err != nil {
		return nil, err
	}
	var done []Migration
	for _, m := range ms {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("lab %s: migration %s: %w", l.url, m.Name, explain(err))
		}
		done = append(done, m)
	}
	return done, nil
}

// explain adds PostgreSQL's detail and position to an error.
func explain(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Detail != "" {
			msg += " (" + pe.Detail + ")"
		}
		if pe.Position != 0 {
			msg += fmt.Sprintf(" at character %d", pe.Position)
		}
		return fmt.Errorf("%s [%s]: %w", msg, pe.Code, err)
	}
	return err
}
