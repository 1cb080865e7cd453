package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// AllMajors are the server majors pgstow supports.
var AllMajors = []int{12, 13, 14, 15, 16, 17, 18}

// CacheDir is where scripts/install-postgres puts server binaries; it must match the
// script's default.
func CacheDir() string {
	if d := os.Getenv("PGSTOW_PG_CACHE"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/cache/pgstow/postgres"
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "pgstow", "postgres")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "pgstow", "postgres")
}

// candidateDirs lists where the server binaries of major may live, in lookup order.
func candidateDirs(major int) []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv("PGSTOW_PG_BINDIRS")) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	dirs = append(dirs,
		fmt.Sprintf("/usr/lib/postgresql/%d/bin", major),
		filepath.Join(CacheDir(), strconv.Itoa(major), "bin"))
	return dirs
}

// BinDir finds the directory holding initdb, pg_ctl and postgres of the given major.
func BinDir(major int) (string, error) {
	for _, d := range candidateDirs(major) {
		if !isExec(filepath.Join(d, "initdb")) || !isExec(filepath.Join(d, "pg_ctl")) || !isExec(filepath.Join(d, "postgres")) {
			continue
		}
		v, err := binMajor(filepath.Join(d, "postgres"))
		if err == nil && v == major {
			return d, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL %d server binaries (initdb, pg_ctl, postgres) in %s; install them with: scripts/install-postgres %d",
		major, strings.Join(candidateDirs(major), ", "), major)
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// binMajor runs "postgres --version" and returns its major.
func binMajor(postgres string) (int, error) {
	out, err := exec.Command(postgres, "--version").Output()
	if err != nil {
		return 0, err
	}
	// "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
	f := strings.Fields(string(out))
	if len(f) < 3 {
		return 0, fmt.Errorf("unexpected version output %q", out)
	}
	return strconv.Atoi(strings.SplitN(f[2], ".", 2)[0])
}

// SelectedMajors returns the majors a test run covers: PGSTOW_PG_VERSIONS if set,
// else every installed major. An error says what is missing or that none is installed.
func SelectedMajors() ([]int, error) {
	if s := strings.TrimSpace(os.Getenv("PGSTOW_PG_VERSIONS")); s != "" {
		var majors []int
		for _, p := range strings.Split(s, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			m, err := strconv.Atoi(p)
			if err != nil {
				return nil, fmt.Errorf("PGSTOW_PG_VERSIONS: %q is not a major version", p)
			}
			majors = append(majors, m)
		}
		sort.Ints(majors)
		return majors, nil
	}
	var majors []int
	for _, m := range AllMajors {
		if _, err := BinDir(m); err == nil {
			majors = append(majors, m)
		}
	}
	if len(majors) == 0 {
		return nil, fmt.Errorf("no PostgreSQL server binaries installed; run scripts/install-postgres 12 18 (or apt-get install postgresql)")
	}
	return majors, nil
}

// ClientBinDir is where the installed pg_dump / pg_restore / psql live (Debian's
// postgresql-client), overridable with PGSTOW_PG_CLIENT_BINDIR.
func ClientBinDir() (string, error) {
	if d := os.Getenv("PGSTOW_PG_CLIENT_BINDIR"); d != "" {
		return d, nil
	}
	for _, m := range []int{18, 17, 16, 15, 14, 13, 12} {
		d := fmt.Sprintf("/usr/lib/postgresql/%d/bin", m)
		if isExec(filepath.Join(d, "pg_dump")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no pg_dump/pg_restore client installed (apt-get install postgresql-client)")
}

// ClientMajor is the major of the installed client tools, or 0 if none.
func ClientMajor() int {
	d, err := ClientBinDir()
	if err != nil {
		return 0
	}
	out, err := exec.Command(filepath.Join(d, "pg_dump"), "--version").Output()
	if err != nil {
		return 0
	}
	f := strings.Fields(string(out))
	if len(f) < 3 {
		return 0
	}
	m, _ := strconv.Atoi(strings.SplitN(f[2], ".", 2)[0])
	return m
}
