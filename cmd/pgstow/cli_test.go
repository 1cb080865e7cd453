package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// buildPgstow builds the command into a temporary directory.
func buildPgstow(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pgstow")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

// runCmd runs bin with args, env (nil: the test's environment) and stdin (nil:
// empty).
func runCmd(t *testing.T, env []string, stdin io.Reader, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	cmd.Stdin = stdin
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", strings.Join(args, " "), err)
	}
	if strings.Contains(se.String(), "panic:") || strings.Contains(se.String(), "goroutine ") {
		t.Fatalf("pgstow %s panicked:\n%s", strings.Join(args, " "), se.String())
	}
	return result{stdout: so.String(), stderr: se.String(), code: code}
}

// mustRun runs and fails t unless the exit status is 0.
func mustRun(t *testing.T, env []string, stdin io.Reader, bin string, args ...string) result {
	t.Helper()
	r := runCmd(t, env, stdin, bin, args...)
	if r.code != 0 {
		t.Fatalf("pgstow %s: exit %d\nstderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

func TestUsageErrors(t *testing.T) {
	bin := buildPgstow(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "script.sql")
	if err := os.WriteFile(plain, []byte("--\n-- PostgreSQL database dump\n--\nSET x = 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PGCONNECT_TIMEOUT=2", "PGHOST=127.0.0.1", "PGPORT=1")
	for _, c := range []struct {
		args []string
		code int
		want []string // substrings of stderr
	}{
		{[]string{"dump", "--bogus"}, 1, []string{"unknown flag: --bogus", `Try "pgstow dump --help"`}},
		{[]string{"restore", "-k"}, 1, []string{"unknown shorthand flag: 'k'", `Try "pgstow restore --help"`}},
		{[]string{"frobnicate"}, 1, []string{`unknown command "frobnicate"`, `Try "pgstow --help"`}},
		{[]string{"dump", "-F", "c", "db"}, 1, []string{"custom format output is not supported; use -F t or -F d"}},
		{[]string{"dump", "--format=custom", "db"}, 1, []string{"custom format output is not supported"}},
		{[]string{"dump", "-F", "x", "db"}, 1, []string{`invalid output format "x"`}},
		{[]string{"dump", "-s", "-a", "db"}, 1, []string{"options -s/--schema-only and -a/--data-only cannot be used together", "Try"}},
		{[]string{"dump", "-F", "d", "db"}, 1, []string{"-F d (directory format) requires -f/--file"}},
		{[]string{"dump", "-Z", "brotli", "db"}, 1, []string{"-Z/--compress", "brotli"}},
		{[]string{"dump", "-Z", "zstd:99", "db"}, 1, []string{"-Z/--compress", "out of range"}},
		{[]string{"dump", "--lock-wait-timeout", "soon", "db"}, 1, []string{"--lock-wait-timeout", "soon"}},
		{[]string{"dump", "--section", "middle", "db"}, 1, []string{`unrecognized section name: "middle"`}},
		{[]string{"dump", "-F", "t", "--section", "pre-data", "db"}, 1, []string{"--section", "pgstow restore --section"}},
		{[]string{"dump", "-F", "t", "-c", "db"}, 1, []string{"-c/--clean applies to the plain format only"}},
		{[]string{"dump", "--if-exists", "db"}, 1, []string{"--if-exists requires option -c/--clean"}},
		{[]string{"dump", "-j", "0", "db"}, 1, []string{"invalid number of parallel jobs 0"}},
		{[]string{"dump", "--split-size", "lots", "db"}, 1, []string{"--split-size", "lots"}},
		{[]string{"dump", "--snapshot", "00000003-1", "--serializable-deferrable", "db"}, 1, []string{"--serializable-deferrable and --snapshot"}},
		{[]string{"dump", "a", "b"}, 1, []string{`too many command-line arguments (first is "b")`}},
		{[]string{"restore", "x.tar"}, 1, []string{"one of -d/--dbname and -f/--file must be specified"}},
		{[]string{"restore", "-d", "x", "-f", "y", "x.tar"}, 1, []string{"options -d/--dbname and -f/--file cannot be used together"}},
		{[]string{"restore", "-d", "x", "-s", "-a", "x.tar"}, 1, []string{"-s/--schema-only and -a/--data-only"}},
		{[]string{"restore", "-d", "x", "--if-exists", "x.tar"}, 1, []string{"--if-exists requires option -c/--clean"}},
		{[]string{"restore", "-d", "x", "-1", "-j", "2", "x.tar"}, 1, []string{"-1/--single-transaction and -j/--jobs"}},
		{[]string{"restore", "-d", "x", "-C", "-1", "x.tar"}, 1, []string{"-C/--create and -1/--single-transaction"}},
		{[]string{"restore", "-F", "z", "-d", "x", "x.tar"}, 1, []string{`unrecognized archive format "z"`}},
		{[]string{"restore", "-d", "x", "-L", filepath.Join(dir, "nope.list"), "x.tar"}, 1, []string{"-L", "nope.list"}},
		{[]string{"restore", "-d", "x", "--section", "all", "x.tar"}, 1, []string{`unrecognized section name: "all"`}},
		{[]string{"restore", "a", "b"}, 1, []string{"too many command-line arguments"}},
		{[]string{"restore", "-d", "x", filepath.Join(dir, "missing.tar")}, 1, []string{"missing.tar"}},
		{[]string{"restore", "-f", "-", plain}, 1, []string{"plain SQL script"}},
		{[]string{"list", filepath.Join(dir, "missing.tar")}, 1, []string{"open archive", "missing.tar"}},
		{[]string{"list", plain}, 1, []string{"plain SQL script; run it with psql"}},
		{[]string{"list"}, 1, []string{"empty input"}},
		{[]string{"verify", filepath.Join(dir, "missing.tar")}, 1, []string{"missing.tar"}},
		{[]string{"verify", "-"}, 1, []string{"empty input"}},
		{[]string{"verify", "a", "b"}, 1, []string{"too many command-line arguments"}},
		// A connection failure is an ordinary error naming the server, not a panic.
		{[]string{"dump", "-F", "t", "-f", filepath.Join(dir, "out.tar"), "-q", "nosuchdb"}, 1, []string{"pgstow: error:"}},
	} {
		t.Run(strings.Join(c.args, "_"), func(t *testing.T) {
			r := runCmd(t, env, nil, bin, c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s", r.code, c.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
	// The failed dump left nothing behind.
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "script.sql" {
			t.Errorf("failed commands left %s in the output directory", e.Name())
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	bin := buildPgstow(t)
	r := mustRun(t, nil, nil, bin, "--version")
	if !regexp.MustCompile(`^pgstow \S+\n$`).MatchString(r.stdout) {
		t.Errorf("--version printed %q", r.stdout)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"dump", "--help"}, []string{"-h, --host", "-F, --format", "--exclude-table-data", "-Z, --compress", "--lock-wait-timeout", "-B, --no-blobs"}},
		{[]string{"dump", "-?"}, []string{"-n, --schema"}},
		{[]string{"restore", "--help"}, []string{"-1, --single-transaction", "-L, --use-list", "-e, --exit-on-error", "--disable-triggers", "-l, --list"}},
		{[]string{"list", "--help"}, []string{"pg_restore -l"}},
		{[]string{"verify", "--help"}, []string{"checksum"}},
	} {
		r := mustRun(t, nil, nil, bin, c.args...)
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, r.stdout)
			}
		}
	}
}
