package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"scrim/profile"
)

// Lab is a profile.Lab: every workstation reads the same profiles and
// policy. PIN hashes are argon2id strings made on the workstation; the PIN
// itself never reaches the server.
var _ profile.Lab = (*Lab)(nil)

// UpdatePeople runs fn in one lab transaction (profile.People).
func (l *Lab) UpdatePeople(ctx context.Context, fn func(profile.PeopleTx) error) error {
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error { return fn(peopleTx{ctx, tx}) })
	if err != nil {
		return fmt.Errorf("lab %s: %w", l.url, explain(err))
	}
	return nil
}

type peopleTx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t peopleTx) Profile(name string) (profile.Profile, bool, error) {
	var p profile.Profile
	var locked *time.Time
	err := t.tx.QueryRow(t.ctx, `SELECT name, role, created, created_by, failures, locked_until, pin_hash
		FROM profiles WHERE name = $1 FOR UPDATE`, name).
		Scan(&p.Name, &p.Role, &p.Created, &p.CreatedBy, &p.Failures, &locked, &p.PINHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("read profile %q: %w", name, err)
	}
	if locked != nil {
		p.LockedUntil = *locked
	}
	return p, true, nil
}

func (t peopleTx) PutProfile(p profile.Profile) error {
	var locked *time.Time
	if !p.LockedUntil.IsZero() {
		locked = &p.LockedUntil
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO profiles (name, role, created, created_by, failures, locked_until, pin_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role, failures = excluded.failures,
			locked_until = excluded.locked_until, pin_hash = excluded.pin_hash`,
		p.Name, p.Role, p.Created, p.CreatedBy, p.Failures, locked, p.PINHash)
	if err != nil {
		return fmt.Errorf("write profile %q: %w", p.Name, err)
	}
	return nil
}

// profilesLock serializes profile creation across workstations for the
// rest of the transaction ("scrimusr" in ASCII): the first-profile rule and
// the name check then see each other's new rows.
const profilesLock int64 = 0x7363_7269_6d75_7372

// HasProfiles is asked before a profile is added; it takes profilesLock.
func (t peopleTx) HasProfiles() (bool, error) {
	if _, err := t.tx.Exec(t.ctx, `SELECT pg_advisory_xact_lock($1)`, profilesLock); err != nil {
		return false, fmt.Errorf("lock profiles: %w", err)
	}
	var any bool
	if err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM profiles)`).Scan(&any); err != nil {
		return false, fmt.Errorf("read profiles: %w", err)
	}
	return any, nil
}

func (t peopleTx) Profiles() ([]profile.Profile, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT name, role, created, created_by, failures, locked_until FROM profiles ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	defer rows.Close()
	var out []profile.Profile
	for rows.Next() {
		var p profile.Profile
		var locked *time.Time
		if err := rows.Scan(&p.Name, &p.Role, &p.Created, &p.CreatedBy, &p.Failures, &locked); err != nil {
			return nil, fmt.Errorf("list profiles: %w", err)
		}
		if locked != nil {
			p.LockedUntil = *locked
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (t peopleTx) Policy() (profile.Policy, error) {
	p := profile.DefaultPolicy
	var raw []byte
	err := t.tx.QueryRow(t.ctx, `SELECT policy FROM policy WHERE id = 1`).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read policy: %w", err)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("decode the lab's policy: %w", err)
	}
	return p, nil
}

func (t peopleTx) PutPolicy(p profile.Policy, by string, at time.Time) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode policy: %w", err)
	}
	_, err = t.tx.Exec(t.ctx, `INSERT INTO policy (id, policy, changed, changed_by) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET policy = excluded.policy, changed = excluded.changed, changed_by = excluded.changed_by`,
		raw, at, by)
	if err != nil {
		return fmt.Errorf("write policy: %w", err)
	}
	return nil
}
