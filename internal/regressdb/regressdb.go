// Package regressdb builds PostgreSQL's own regression database (the database the
// server's src/test/regress suite leaves behind) on a pgtest server, for tests that
// need a database holding nearly every kind of object.
//
// The suite's files and regress.so come from scripts/regress-db MAJOR, which Build
// runs itself (the script is idempotent: once prepared it only checks its cache).
// Build runs pg_regress once per server and test binary (about a minute); tests then
// take copies with Copy (CREATE DATABASE … TEMPLATE, a few seconds):
//
//	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
//		if !regressdb.Supported(s.Major) {
//			t.Skipf("no regression suite for PostgreSQL %d", s.Major)
//		}
//		src := regressdb.Copy(t, s) // or regressdb.Build(t, s) to only read it
//		dst := s.NewDB(t)
//		// dump src, restore into dst …
//		pgtest.AssertSameDB(t, src, dst)
//	})
//
// The suite also leaves cluster-wide objects behind (roles named regress_*), which
// objects of the database may refer to.
package regressdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// Name is the name of the built database. The suite grants privileges ON DATABASE
// regression by name, so the built database keeps that name; it is unique per
// server because every test binary has its own servers.
const Name = "regression"

// buildTimeout bounds one pg_regress run (the suite takes about a minute).
const buildTimeout = 15 * time.Minute

// built records the build of each server of this test binary. Package state is
// unavoidable: the build is shared by every test of the binary, like pgtest's
// clusters.
var built = struct {
	sync.Mutex
	m map[*pgtest.Server]*build
}{m: map[*pgtest.Server]*build{}}

type build struct {
	once sync.Once
	err  error
	log  string
	seq  int
	mu   sync.Mutex
}

// Supported reports whether scripts/regress-db can prepare major's suite: its
// sources and server headers come from the one Debian release carrying that major
// (13 bullseye, 15 bookworm, 18 sid); no Debian release carries 12, 14 or 16, and
// trixie's 17 sources were listed but not served by the mirror here (404).
func Supported(major int) bool {
	switch major {
	case 13, 15, 18:
		return true
	}
	return false
}

// CacheDir is where scripts/regress-db puts the suite of major; it must match the
// script.
func CacheDir(major int) string {
	base := os.Getenv("PGSTOW_REGRESS_CACHE")
	switch {
	case base != "":
	case os.Geteuid() == 0:
		base = "/var/cache/pgstow/regress"
	case os.Getenv("XDG_CACHE_HOME") != "":
		base = filepath.Join(os.Getenv("XDG_CACHE_HOME"), "pgstow", "regress")
	default:
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache", "pgstow", "regress")
	}
	return filepath.Join(base, strconv.Itoa(major))
}

// Build returns the regression database of server s, building it on first use. The
// database is shared by every test of the binary: treat it as read-only and use Copy
// for a database a test may change or restore into. Failures of individual
// regression tests are expected and ignored; t fails only if the database could not
// be built (missing suite that scripts/regress-db cannot prepare, pg_regress not
// running, database missing afterwards).
func Build(t testing.TB, s *pgtest.Server) *pgtest.DB {
	t.Helper()
	b := entry(s)
	b.once.Do(func() {
		start := time.Now()
		log, err := buildDB(context.Background(), s)
		b.mu.Lock()
		b.log, b.err = log, err
		b.mu.Unlock()
		if b.err == nil {
			t.Logf("regressdb: built %s on PostgreSQL %s in %s", Name, s.Version, time.Since(start).Round(time.Second))
		}
	})
	b.mu.Lock()
	err := b.err
	b.mu.Unlock()
	if err != nil {
		t.Fatalf("regressdb: PostgreSQL %d: %v", s.Major, err)
	}
	return &pgtest.DB{Server: s, Name: Name}
}

// Log returns the pg_regress summary of the build of s ("" before Build).
func Log(s *pgtest.Server) string {
	b := entry(s)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.log
}

// Copy builds the regression database if needed and returns a fresh copy of it made
// with CREATE DATABASE … TEMPLATE, dropped when the test ends. The copy also gets the
// template's database-level settings (ALTER DATABASE … SET, which pg_regress uses),
// which a template copy does not carry. Sessions still connected to the template
// (e.g. a test's own connection from Build(t, s).Connect) are ended first, because
// PostgreSQL refuses to copy a database in use.
func Copy(t testing.TB, s *pgtest.Server) *pgtest.DB {
	t.Helper()
	src := Build(t, s)
	b := entry(s)
	b.mu.Lock()
	b.seq++
	name := fmt.Sprintf("regression_copy_%d", b.seq)
	b.mu.Unlock()
	if err := copyDB(context.Background(), s, src.Name, name); err != nil {
		t.Fatalf("regressdb: %v", err)
	}
	t.Cleanup(func() { s.DropDB(name) })
	return &pgtest.DB{Server: s, Name: name}
}

func copyDB(ctx context.Context, s *pgtest.Server, src, dst string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("copy %s to %s: connect: %w", src, dst, err)
	}
	defer conn.Close(ctx)
	create := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{dst}.Sanitize(), pgx.Identifier{src}.Sanitize())
	if s.Major >= 15 {
		// About twice as fast as the default WAL_LOG for this 100 MB database.
		create += " STRATEGY FILE_COPY"
	}
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, create)
		var pgErr *pgconn.PgError
		if err == nil || attempt == 5 || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			break
		}
		// 55006: the template is in use; end those sessions and retry.
		if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", src); err != nil {
			return fmt.Errorf("copy %s to %s: end sessions on %s: %w", src, dst, src, err)
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	rows, err := conn.Query(ctx, `SELECT unnest(setconfig) FROM pg_db_role_setting
		WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = $1)`, src)
	if err != nil {
		return fmt.Errorf("copy %s to %s: read database settings: %w", src, dst, err)
	}
	settings, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("copy %s to %s: read database settings: %w", src, dst, err)
	}
	for _, kv := range settings {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		q := fmt.Sprintf("ALTER DATABASE %s SET %s TO '%s'", pgx.Identifier{dst}.Sanitize(),
			pgx.Identifier{k}.Sanitize(), strings.ReplaceAll(v, "'", "''"))
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("copy %s to %s: setting %s: %w", src, dst, k, err)
		}
	}
	return nil
}

func entry(s *pgtest.Server) *build {
	built.Lock()
	defer built.Unlock()
	b := built.m[s]
	if b == nil {
		b = &build{}
		built.m[s] = b
	}
	return b
}

// EnsureSuite returns the cache directory of major's suite after running
// scripts/regress-db, which prepares it once and afterwards only checks it. Outside
// a pgstow checkout an existing complete cache is used as is.
func EnsureSuite(ctx context.Context, major int) (string, error) {
	dir := CacheDir(major)
	script, err := findScript()
	if err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, ".complete")); statErr == nil {
			return dir, nil
		}
		return "", err
	}
	cmd := exec.CommandContext(ctx, script, strconv.Itoa(major))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("prepare regression suite with %s %d: %w\n%s", script, major, err, out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		return "", fmt.Errorf("%s %d succeeded but %s is incomplete (PGSTOW_REGRESS_CACHE differs?): %w\n%s",
			script, major, dir, err, out.String())
	}
	return dir, nil
}

// findScript looks for scripts/regress-db in the working directory and its parents
// (go test runs in the package directory).
func findScript() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find scripts/regress-db: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "scripts", "regress-db")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("scripts/regress-db not found above %s: run it from the pgstow checkout (scripts/regress-db MAJOR)", wd)
		}
	}
}

var summaryLine = regexp.MustCompile(`\b(FAILED|failed|passed)\b|^not ok `)

// buildDB runs pg_regress's parallel schedule against s, which leaves the database
// Name behind, and returns pg_regress's summary.
func buildDB(ctx context.Context, s *pgtest.Server) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	suite, err := EnsureSuite(ctx, s.Major)
	if err != nil {
		return "", err
	}
	pgRegress := filepath.Join(suite, "pg_regress")
	src := filepath.Join(suite, "src")
	clientDir, err := psqlDir(s)
	if err != nil {
		return "", err
	}

	// The server writes into results/ (COPY … TO) and reads the suite's data/, so
	// the output tree must be writable by the server's OS user.
	out, err := os.MkdirTemp("", fmt.Sprintf("regressdb%d-", s.Major))
	if err != nil {
		return "", fmt.Errorf("create pg_regress output directory: %w", err)
	}
	// PGSTOW_REGRESSDB_KEEP=1 keeps regression.diffs and results/ for a look.
	if os.Getenv("PGSTOW_REGRESSDB_KEEP") == "" {
		defer os.RemoveAll(out)
	}
	// Before 14 pg_regress writes the suite's input/*.source files, converted, to sql/
	// and expected/ of the output directory, which the Makefile normally creates.
	dirs := []string{out, filepath.Join(out, "results"), filepath.Join(out, "testtablespace"),
		filepath.Join(out, "sql"), filepath.Join(out, "expected")}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o777); err != nil {
			return "", fmt.Errorf("create %s: %w", d, err)
		}
		if err := os.Chmod(d, 0o777); err != nil { // beat the umask
			return "", fmt.Errorf("chmod %s: %w", d, err)
		}
	}
	if err := chownToServer(filepath.Join(out, "testtablespace")); err != nil {
		return "", err
	}

	schedule, skipped, err := writeSchedule(s, src, clientDir, out)
	if err != nil {
		return "", err
	}

	args := []string{
		"--host=127.0.0.1", "--port=" + strconv.Itoa(s.Port), "--user=postgres",
		"--dbname=" + Name,
		"--bindir=" + clientDir,
		"--inputdir=" + src,
		"--outputdir=" + out,
		"--dlpath=" + filepath.Join(suite, "lib"),
		"--schedule=" + schedule,
		"--max-connections=20",
	}
	cmd := exec.CommandContext(ctx, pgRegress, args...)
	cmd.Dir = out
	// On timeout end pg_regress and its psql children, which hold the output pipe.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = append(s.Env(), "LC_ALL=C", "LANG=C", "PGAPPNAME=pgstow_regressdb")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	runErr := cmd.Run()
	summary := summarize(log.String())
	if len(skipped) > 0 {
		summary += "\nskipped (psql of " + clientDir + " is older than the server and would loop on \\watch): " + strings.Join(skipped, " ")
	}
	if os.Getenv("PGSTOW_REGRESSDB_KEEP") != "" {
		summary += "\npg_regress output kept in " + out
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return summary, fmt.Errorf("run %s: %w\n%s", pgRegress, runErr, log.String())
	}
	if ctx.Err() != nil {
		return summary, fmt.Errorf("pg_regress on %s: %w\n%s", Name, ctx.Err(), log.String())
	}

	// Failing regression tests are expected (different build options, parallel
	// noise); only a missing database is an error. Free the template for copies.
	// A test may have crashed the server (a newer minor's test hitting a bug fixed
	// since): wait for crash recovery.
	var conn *pgx.Conn
	for deadline := time.Now().Add(2 * time.Minute); ; {
		conn, err = pgx.Connect(ctx, s.ConnString("postgres"))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return summary, fmt.Errorf("connect to check %s: %w", Name, err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", Name).Scan(&n); err != nil {
		return summary, fmt.Errorf("check %s exists: %w", Name, err)
	}
	if n == 0 {
		return summary, fmt.Errorf("pg_regress left no database %s (exit: %v)\n%s", Name, runErr, log.String())
	}
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", Name); err != nil {
		return summary, fmt.Errorf("end sessions on %s: %w", Name, err)
	}
	return summary, nil
}

// writeSchedule writes the suite's parallel_schedule to dir, without the tests that
// cannot run with the psql at hand: a psql older than the server does not know the
// newer \watch options and loops forever on them. It returns the schedule's path and
// the tests left out.
func writeSchedule(s *pgtest.Server, src, psqlBin, dir string) (string, []string, error) {
	b, err := os.ReadFile(filepath.Join(src, "parallel_schedule"))
	if err != nil {
		return "", nil, fmt.Errorf("read schedule: %w", err)
	}
	psqlMajor, err := toolMajor(filepath.Join(psqlBin, "psql"))
	if err != nil {
		return "", nil, err
	}
	var out strings.Builder
	var skipped []string
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "test:")
		if !ok || psqlMajor >= s.Major {
			out.WriteString(line + "\n")
			continue
		}
		var keep []string
		for _, test := range strings.Fields(rest) {
			sql, err := os.ReadFile(filepath.Join(src, "sql", test+".sql"))
			if err == nil && bytes.Contains(sql, []byte("\\watch")) {
				skipped = append(skipped, test)
				continue
			}
			keep = append(keep, test)
		}
		if len(keep) > 0 {
			out.WriteString("test: " + strings.Join(keep, " ") + "\n")
		}
	}
	p := filepath.Join(dir, "schedule")
	if err := os.WriteFile(p, []byte(out.String()), 0o644); err != nil {
		return "", nil, fmt.Errorf("write schedule: %w", err)
	}
	return p, skipped, nil
}

// toolMajor runs "tool --version" and returns its major.
func toolMajor(tool string) (int, error) {
	out, err := exec.Command(tool, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("%s --version: %w", tool, err)
	}
	f := strings.Fields(string(out)) // "psql (PostgreSQL) 15.18 (Debian …)"
	if len(f) < 3 {
		return 0, fmt.Errorf("%s --version: unexpected output %q", tool, out)
	}
	m, err := strconv.Atoi(strings.SplitN(f[2], ".", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("%s --version: unexpected output %q", tool, out)
	}
	return m, nil
}

// psqlDir returns a directory holding psql for pg_regress: the server's own if it
// has one, else the installed client's.
func psqlDir(s *pgtest.Server) (string, error) {
	if st, err := os.Stat(filepath.Join(s.BinDir, "psql")); err == nil && !st.IsDir() {
		return s.BinDir, nil
	}
	d, err := pgtest.ClientBinDir()
	if err != nil {
		return "", fmt.Errorf("pg_regress needs psql: %w", err)
	}
	return d, nil
}

// chownToServer gives dir to the OS user postgres when running as root, because the
// server runs as that user then (see pgtest).
func chownToServer(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("chown %s to the server user: %w", dir, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("chown %s to the server user: %w", dir, err)
	}
	return nil
}

// summarize keeps pg_regress's failing test lines and final tally (pg_regress 16+
// writes TAP: "not ok 12 + name").
func summarize(log string) string {
	var keep []string
	for _, l := range strings.Split(log, "\n") {
		if summaryLine.MatchString(l) {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	return strings.Join(keep, "\n")
}
