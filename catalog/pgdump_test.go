package catalog

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// pgDumpList runs the installed pg_dump on db and returns `pg_restore -l` lines
// without the dump ids and OIDs: "DESC namespace tag owner".
func pgDumpList(t *testing.T, db *pgtest.DB, args ...string) []string {
	t.Helper()
	dump := pgtest.ClientBin(t, "pg_dump")
	restore := pgtest.ClientBin(t, "pg_restore")
	file := filepath.Join(t.TempDir(), "db.dump")
	cmd := exec.Command(dump, append([]string{"-Fc", "-f", file, "--dbname", db.ConnString()}, args...)...)
	cmd.Env = db.Server.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	out, err := exec.Command(restore, "-l", file).Output()
	if err != nil {
		t.Fatalf("pg_restore -l: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l == "" || strings.HasPrefix(l, ";") {
			continue
		}
		// "id; tableoid oid rest"
		_, rest, _ := strings.Cut(l, "; ")
		f := strings.SplitN(rest, " ", 3)
		if len(f) == 3 {
			lines = append(lines, f[2])
		}
	}
	return lines
}

// tocList renders entries like pg_restore -l does, leaving out those it hides.
func tocList(c *Catalog) []string {
	var lines []string
	for _, e := range c.Entries {
		switch e.Desc {
		case "ENCODING", "STDSTRINGS", "SEARCHPATH", "DATABASE", "DATABASE PROPERTIES":
			// pg_restore -l hides these (the DATABASE ones unless -C).
			continue
		}
		if strings.HasPrefix(e.Tag, "DATABASE ") && (e.Desc == "COMMENT" || e.Desc == "ACL") {
			continue
		}
		ns := e.Namespace
		if ns == "" {
			ns = "-"
		}
		lines = append(lines, strings.ReplaceAll(e.Desc+" "+ns+" "+e.Tag+" "+e.Owner, "\n", " "))
	}
	return lines
}

func TestMatchesPgDump(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		if !s.ClientCanDump() || pgtest.ClientMajor() != s.Major {
			t.Skipf("installed pg_dump %d does not match server %d", pgtest.ClientMajor(), s.Major)
		}
		src := loadFixture(t, s)
		want := pgDumpList(t, src)
		got := tocList(load(t, src, Options{}))
		_ = context.Background()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("TOC differs from pg_dump's (-pg_dump +ours):\n%s", lineDiff(want, got))
		}
		for _, v := range []struct {
			args []string
			o    Options
		}{
			{[]string{"--schema-only"}, Options{SchemaOnly: true}},
			{[]string{"--data-only"}, Options{DataOnly: true}},
			{[]string{"--no-comments", "--no-acl", "--no-blobs"}, Options{NoComments: true, NoACL: true, NoBlobs: true}},
			{[]string{"--create"}, Options{Create: true}},
			{[]string{"-n", "\"My Schema\""}, Options{Filter: Filter{IncludeSchemas: []string{`"My Schema"`}}}},
			{[]string{"-t", "s1.t*", "-T", "s1.t2", "--exclude-table-data", "s1.t1"},
				Options{Filter: Filter{IncludeTables: []string{"s1.t*"}, ExcludeTables: []string{"s1.t2"}, ExcludeTableData: []string{"s1.t1"}}}},
		} {
			want := pgDumpList(t, src, v.args...)
			got := tocList(load(t, src, v.o))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("pg_dump %v: TOC differs (-pg_dump +ours):\n%s", v.args, lineDiff(want, got))
			}
		}
	})
}

// lineDiff is a small LCS diff for test output.
func lineDiff(a, b []string) string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j] + "\n")
			j++
		default:
			out.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return out.String()
}
