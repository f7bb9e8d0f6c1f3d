// Package labtest runs a private PostgreSQL cluster for one test binary:
// Debian's postgresql binaries, initdb in a temporary directory as an
// unprivileged user (PostgreSQL refuses to run as root), a free port on
// 127.0.0.1 and the unix socket inside the same directory. Each test gets
// its own database. Nothing is mocked.
//
//	func TestMain(m *testing.M) { os.Exit(labtest.Main(m)) }
//	func TestX(t *testing.T) { url := labtest.Database(t) ... }
package labtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is the unprivileged system user the cluster runs as when the tests
// run as root; it is created (useradd -r) when missing.
const User = "scrimtest"

// Admin is the cluster's superuser role.
const Admin = "scrim_admin"

const dirPrefix = "scrim-labtest-"

// Cluster is one running private PostgreSQL server.
type Cluster struct {
	Dir  string // temporary directory: data/, sock/, log, owner.pid
	Port int
	bin  string
	user string // "" = the current user

	mu  sync.Mutex
	dbs int
}

// the cluster of this test binary: started by the first Get, stopped by Main.
var (
	inMain  bool
	once    sync.Once
	current *Cluster
	reason  string // why there is none
)

// Main runs the tests and stops the cluster afterwards, also when tests
// fail. The cluster starts with the first test that asks for it, so a test
// binary whose chosen tests need no lab starts none. Without PostgreSQL
// the lab tests skip (and fail under CI=true).
func Main(m *testing.M) int {
	inMain = true
	defer func() {
		if current != nil {
			current.Stop()
		}
	}()
	return m.Run()
}

// Get is this binary's cluster; it skips t (fails it under CI=true) when
// there is none.
func Get(t testing.TB) *Cluster {
	t.Helper()
	once.Do(func() {
		if !inMain {
			reason = "call labtest.Main from TestMain"
			return
		}
		c, err := Start()
		if err != nil {
			reason = err.Error()
			return
		}
		current = c
	})
	if current == nil {
		msg := "no private PostgreSQL cluster: " + reason
		if os.Getenv("CI") != "" { // a CI run must have PostgreSQL (make deps-test installs it)
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return current
}

// Database creates an empty database for t on this binary's cluster and
// returns the superuser URL to it.
func Database(t testing.TB) string {
	t.Helper()
	return Get(t).Database(t)
}

// binDir finds Debian's newest /usr/lib/postgresql/<version>/bin.
func binDir() (string, error) {
	if d := os.Getenv("SCRIM_PG_BIN"); d != "" {
		return d, nil
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(ms) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("PostgreSQL is not installed (Debian package postgresql; make deps-test installs it)")
	}
	sort.Slice(ms, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(ms[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(ms[j]))))
		return vi < vj
	})
	return filepath.Dir(ms[len(ms)-1]), nil
}

// runAs returns a command that runs as the cluster's user.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if c.user == "" {
		return exec.Command(path, args...)
	}
	return exec.Command("runuser", append([]string{"-u", c.user, "--", path}, args...)...)
}

func (c *Cluster) run(name string, args ...string) error {
	out, err := c.command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ensureUser returns the unprivileged user to run PostgreSQL as.
func ensureUser() (string, error) {
	if os.Geteuid() != 0 {
		return "", nil
	}
	if _, err := user.Lookup(User); err != nil {
		out, err := exec.Command("useradd", "-r", "-M", "-s", "/usr/sbin/nologin", User).CombinedOutput()
		if err != nil {
			if _, lerr := user.Lookup(User); lerr != nil { // another test binary may have raced us
				return "", fmt.Errorf("create system user %s: %w: %s", User, err, out)
			}
		}
	}
	return User, nil
}

// Start makes and starts a fresh cluster. It first stops clusters left
// behind by test binaries that died.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
			return nil, fmt.Errorf("no postgres binary in %s", bin)
		}
	}
	who, err := ensureUser()
	if err != nil {
		return nil, err
	}
	reapStale(bin, who)
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("cluster directory: %w", err)
	}
	c := &Cluster{Dir: dir, bin: bin, user: who}
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, "sock"), 0o700); err != nil {
		return nil, err
	}
	if who != "" {
		u, err := user.Lookup(who)
		if err != nil {
			return nil, err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, filepath.Join(dir, "sock"), filepath.Join(dir, "owner.pid")} {
			if err := os.Chown(p, uid, gid); err != nil {
				return nil, fmt.Errorf("hand %s to %s: %w", p, who, err)
			}
		}
	}
	if err := c.run("initdb", "-D", filepath.Join(dir, "data"), "-U", Admin, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var lastErr error
	for try := 0; try < 5; try++ {
		if c.Port, lastErr = freePort(); lastErr != nil {
			continue
		}
		if lastErr = c.startServer(); lastErr == nil {
			return c, nil
		}
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func (c *Cluster) startServer() error {
	opts := fmt.Sprintf("-p %d -h 127.0.0.1 -k %s -c fsync=off -c max_connections=200", c.Port, filepath.Join(c.Dir, "sock"))
	return c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-l", filepath.Join(c.Dir, "log"), "-o", opts, "-w", "-t", "60", "start")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// reapStale stops and removes clusters whose test binary is gone.
func reapStale(bin, who string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || syscall.Kill(pid, 0) == nil {
			continue
		}
		c := &Cluster{Dir: d, bin: bin, user: who}
		c.run("pg_ctl", "-D", filepath.Join(d, "data"), "-m", "immediate", "stop")
		os.RemoveAll(d)
	}
}

// Stop shuts the server down and removes its directory.
func (c *Cluster) Stop() error {
	err := c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "fast", "-w", "stop")
	os.RemoveAll(c.Dir)
	return err
}

// Kill stops the server the hard way (pg_ctl stop -m immediate): what a
// crash or a pulled cable looks like to the clients.
func (c *Cluster) Kill() error {
	return c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
}

// Restart starts the server again on the same port after Kill.
func (c *Cluster) Restart() error { return c.startServer() }

// URL is the superuser URL of database db.
func (c *Cluster) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User(Admin), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// RoleURL is the URL of database db as another role (trust authentication:
// no password needed, the role's privileges still apply).
func (c *Cluster) RoleURL(db, role string) string {
	u, _ := url.Parse(c.URL(db))
	u.User = url.User(role)
	return u.String()
}

// Database creates a fresh database for t and drops it when t ends.
func (c *Cluster) Database(t testing.TB) string {
	t.Helper()
	c.mu.Lock()
	c.dbs++
	name := fmt.Sprintf("t%d_%s", c.dbs, sanitize(t.Name()))
	c.mu.Unlock()
	if err := c.Exec("postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Exec("postgres", "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return c.URL(name)
}

// Exec runs one statement as the superuser in database db.
func (c *Cluster) Exec(db, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL(db))
	if err != nil {
		return fmt.Errorf("connect to test cluster: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// EnableTLS makes the server offer TLS with this certificate and key (PEM)
// from now on; connections without TLS are still accepted.
func (c *Cluster) EnableTLS(certPEM, keyPEM []byte) error {
	certFile, keyFile := filepath.Join(c.Dir, "server.crt"), filepath.Join(c.Dir, "server.key")
	for name, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			return err
		}
		if c.user != "" {
			u, err := user.Lookup(c.user)
			if err != nil {
				return err
			}
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(name, uid, gid); err != nil {
				return err
			}
		}
	}
	for _, sql := range []string{
		"ALTER SYSTEM SET ssl_cert_file = '" + certFile + "'",
		"ALTER SYSTEM SET ssl_key_file = '" + keyFile + "'",
		"ALTER SYSTEM SET ssl = on",
		"SELECT pg_reload_conf()",
	} {
		if err := c.Exec("postgres", sql); err != nil {
			return err
		}
	}
	return nil
}
