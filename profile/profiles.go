package profile

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode"

	badger "github.com/dgraph-io/badger/v4"
)

// Roles.
const (
	RoleExaminer   = "examiner"
	RoleSupervisor = "supervisor"
)

// MaxFailures wrong PINs in a row lock a profile for Options.Lockout.
const MaxFailures = 5

var (
	// ErrBadPIN means the name or the PIN is wrong (deliberately not which).
	ErrBadPIN = errors.New("name or PIN not recognised")
	// ErrLockedOut means too many wrong PINs were entered in a row.
	ErrLockedOut = errors.New("too many wrong PINs")
	// ErrNotAllowed means the session's role may not do this.
	ErrNotAllowed = errors.New("not allowed")
	// ErrExists means a profile of that name exists.
	ErrExists = errors.New("a profile of that name already exists")
)

// Profile is one person who works at this workstation.
type Profile struct {
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"created_by,omitempty"`
	Failures    int       `json:"failures,omitempty"` // wrong PINs in a row
	LockedUntil time.Time `json:"locked_until,omitzero"`
	PINHash     string    `json:"pin_hash,omitempty"`
}

// Session is a signed-in profile. Only SignIn makes valid ones.
type Session struct {
	Name  string
	Role  string
	Start time.Time
	home  *Home
}

func keyProfile(name string) string { return "u/" + name }

// validName keeps names readable and safe inside keys.
func validName(name string) error {
	if name == "" || len([]rune(name)) > 64 {
		return fmt.Errorf("a profile name needs 1 to 64 characters")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '.' && r != '-' && r != '_' && r != '\'' {
			return fmt.Errorf("profile name %q: use letters, digits, spaces and . - _ '", name)
		}
	}
	return nil
}

// check makes sure s came from SignIn on h and, when role is set, has it.
func (h *Home) check(s *Session, role string) error {
	if s == nil || s.home != h {
		return fmt.Errorf("%w: sign in first", ErrNotAllowed)
	}
	if role != "" && s.Role != role {
		return fmt.Errorf("%w: %s is signed in as %s; this needs a %s", ErrNotAllowed, s.Name, s.Role, role)
	}
	return nil
}

// AddProfile creates a profile. The first profile is created without a
// session and must be a supervisor; after that a supervisor's session is needed.
func (h *Home) AddProfile(by *Session, name, role, pin string) error {
	if err := validName(name); err != nil {
		return err
	}
	if role != RoleExaminer && role != RoleSupervisor {
		return fmt.Errorf("role %q: use %s or %s", role, RoleExaminer, RoleSupervisor)
	}
	hash, err := hashPIN(pin, h.opt.PINCost)
	if err != nil {
		return err
	}
	err = h.writePeople(func(w *wtx) error {
		exists, err := w.people.HasProfiles()
		if err != nil {
			return err
		}
		creator := ""
		switch {
		case !exists && role != RoleSupervisor:
			return fmt.Errorf("%w: the first profile on a workstation must be a supervisor", ErrNotAllowed)
		case !exists:
		default:
			if err := h.check(by, RoleSupervisor); err != nil {
				return fmt.Errorf("add profile: %w", err)
			}
			creator = by.Name
		}
		if _, found, err := w.people.Profile(name); err != nil {
			return err
		} else if found {
			return fmt.Errorf("%q: %w", name, ErrExists)
		}
		p := Profile{Name: name, Role: role, Created: w.now, CreatedBy: creator, PINHash: hash}
		if err := w.people.PutProfile(p); err != nil {
			return err
		}
		actor := creator
		if actor == "" {
			actor = name
		}
		return w.audit(actor, "profile-add", map[string]string{"name": name, "role": role})
	})
	if err != nil {
		return fmt.Errorf("add profile %q: %w", name, err)
	}
	return nil
}

func hasProfiles(txn *badger.Txn) (bool, error) {
	found := false
	err := scan(txn, "u/", "", "", func(string, []byte) error { found = true; return errStop })
	if errors.Is(err, errStop) {
		err = nil
	}
	return found, err
}

var errStop = errors.New("stop")

// Profiles lists every profile by name, without PIN hashes.
func (h *Home) Profiles() ([]Profile, error) {
	var out []Profile
	err := h.viewPeople(func(tx PeopleTx) error {
		var err error
		out, err = tx.Profiles()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	return out, nil
}

// SignIn checks a PIN and opens a session. Every attempt is audited;
// MaxFailures wrong PINs in a row lock the profile for Options.Lockout.
func (h *Home) SignIn(name, pin string) (*Session, error) {
	var sess *Session
	var outcome error
	err := h.writePeople(func(w *wtx) error {
		var err error
		sess, outcome, err = h.authenticate(w, name, pin, "sign-in")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sign in %q: %w", name, err)
	}
	if outcome != nil {
		return nil, outcome
	}
	return sess, nil
}

// authenticate checks name+pin inside w, records the outcome and returns
// the session, or the refusal as outcome (the transaction still commits,
// so failures are kept).
func (h *Home) authenticate(w *wtx, name, pin, action string) (*Session, error, error) {
	p, found, err := w.people.Profile(name)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		checkPIN(dummyHash(h.opt.PINCost), pin)
		return nil, ErrBadPIN, w.audit(name, action+"-failed", map[string]string{"reason": "unknown name"})
	}
	if w.now.Before(p.LockedUntil) {
		wait := p.LockedUntil.Sub(w.now).Round(time.Second)
		return nil, fmt.Errorf("%w: %s is locked; try again in %s", ErrLockedOut, name, wait),
			w.audit(name, action+"-failed", map[string]string{"reason": "locked", "locked_until": fmtTime(p.LockedUntil)})
	}
	ok, err := checkPIN(p.PINHash, pin)
	if err != nil {
		return nil, nil, fmt.Errorf("profile %q: %w", name, err)
	}
	if !ok {
		p.Failures++
		detail := map[string]string{"reason": "wrong PIN", "failures": strconv.Itoa(p.Failures)}
		outcome := ErrBadPIN
		if p.Failures%MaxFailures == 0 {
			p.LockedUntil = w.now.Add(h.opt.Lockout)
			detail["locked_until"] = fmtTime(p.LockedUntil)
			outcome = fmt.Errorf("%w: %s is locked for %s", ErrLockedOut, name, h.opt.Lockout)
		}
		if err := w.people.PutProfile(p); err != nil {
			return nil, nil, err
		}
		return nil, outcome, w.audit(name, action+"-failed", detail)
	}
	if p.Failures != 0 || !p.LockedUntil.IsZero() {
		p.Failures, p.LockedUntil = 0, time.Time{}
		if err := w.people.PutProfile(p); err != nil {
			return nil, nil, err
		}
	}
	sess := &Session{Name: p.Name, Role: p.Role, Start: w.now, home: h}
	if action == "pin-check" { // the action it guards is audited instead
		return sess, nil, nil
	}
	return sess, nil, w.audit(name, action, map[string]string{"role": p.Role})
}
