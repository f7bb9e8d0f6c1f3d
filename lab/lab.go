// Package lab is the unit's shared PostgreSQL server: people, policy,
// exposure and the workstation audit chain of every workstation (and the
// unit's known-material library). The lab holds hashes and facts only,
// never picture bytes or thumbnails.
//
// A workstation points at it with SCRIM_LAB=<postgres URL> or --lab URL.
// TLS follows the URL's sslmode: use sslmode=verify-full (with
// sslrootcert=<CA file>) whenever the server is not on the same machine.
package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrim/profile"
)

// Env is the environment variable that names the lab.
const Env = "SCRIM_LAB"

// ErrNoLab means no lab URL was given.
var ErrNoLab = errors.New("no lab: set " + Env + " or use --lab")

// Lab is an open connection pool to the lab. Safe for concurrent use.
type Lab struct {
	pool *pgxpool.Pool
	url  string // without password
}

// URL picks the lab URL: flag first, then $SCRIM_LAB.
func URL(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(Env)
}

// Redact hides a URL's password for messages and status.
func Redact(raw string) string { return profile.RedactURL(raw) }

// Connect opens the lab for a workstation (profile.Options.ConnectLab) and
// refuses one whose schema `scrim lab init` has not brought up to date.
func Connect(url string) (profile.Lab, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return OpenChecked(ctx, url)
}

// OpenChecked opens the lab at url and checks its schema is one this
// scrim can use: what a workstation does before sending or matching.
func OpenChecked(ctx context.Context, url string) (*Lab, error) {
	l, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := l.Check(ctx); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Open connects to the lab at url and checks that the server answers. It
// does not migrate: Check (or Init, for an administrator) does.
func Open(ctx context.Context, rawURL string) (*Lab, error) {
	if rawURL == "" {
		return nil, ErrNoLab
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("lab URL %s: %w", Redact(rawURL), err)
	}
	cfg.MaxConns = 8
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "scrim"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", Redact(rawURL), err)
	}
	l := &Lab{pool: pool, url: Redact(rawURL)}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("lab %s: %w", l.url, err)
	}
	return l, nil
}

// Pool is the connection pool, for the stores built on the lab.
func (l *Lab) Pool() *pgxpool.Pool { return l.pool }

// String is the lab's URL without its password.
func (l *Lab) String() string { return l.url }

// Close closes every connection.
func (l *Lab) Close() { l.pool.Close() }

// Status is what `scrim lab status` reports.
type Status struct {
	URL           string   `json:"url"` // password removed
	Server        string   `json:"server"`
	User          string   `json:"user"`
	Database      string   `json:"database"`
	TLS           bool     `json:"tls"`
	SchemaVersion int      `json:"schema_version"`
	Latest        int      `json:"latest_version"`
	Pending       []string `json:"pending,omitempty"`
}

// Status reads the server version, the connection's user and TLS, and the
// schema version against this binary's migrations.
func (l *Lab) Status(ctx context.Context) (Status, error) {
	st := Status{URL: l.url}
	err := l.pool.QueryRow(ctx, `SELECT version(), current_user, current_database(),
		coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)`).
		Scan(&st.Server, &st.User, &st.Database, &st.TLS)
	if err != nil {
		return st, fmt.Errorf("lab %s status: %w", l.url, err)
	}
	applied, err := l.applied(ctx)
	if err != nil {
		return st, err
	}
	for _, m := range migrations {
		st.Latest = m.Version
		if _, ok := applied[m.Version]; ok {
			if m.Version > st.SchemaVersion {
				st.SchemaVersion = m.Version
			}
			continue
		}
		st.Pending = append(st.Pending, m.Name)
	}
	return st, nil
}

// ErrSchema means the lab's schema is not the one this scrim needs.
var ErrSchema = errors.New("the lab's schema is not current")

// Check makes sure every migration this scrim knows is applied; a
// workstation refuses a lab that `scrim lab init` has not brought up to date.
func (l *Lab) Check(ctx context.Context) error {
	st, err := l.Status(ctx)
	if err != nil {
		return err
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("lab %s: %w: %d migration(s) pending (%s); an administrator runs `scrim lab init`",
			l.url, ErrSchema, len(st.Pending), strings.Join(st.Pending, ", "))
	}
	return nil
}
