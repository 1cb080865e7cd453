package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// dump -g writes the roles a restore on a new server needs, as a script psql runs.
func TestGlobalsOnly(t *testing.T) {
	bin := buildPgstow(t)
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		db := s.NewDB(t)
		role := strings.ReplaceAll(db.Name, "t", "g")
		db.Exec(t, fmt.Sprintf(`CREATE ROLE %[1]s LOGIN CONNECTION LIMIT 7; CREATE ROLE %[1]s_member IN ROLE %[1]s;
			ALTER ROLE %[1]s SET work_mem = '8MB'; COMMENT ON ROLE %[1]s IS 'app owner'`, role))
		t.Cleanup(func() {
			_ = db.TryExec(fmt.Sprintf("DROP ROLE IF EXISTS %[1]s_member; DROP ROLE IF EXISTS %[1]s", role))
		})
		r := mustRun(t, s.Env(), nil, bin, "dump", "-g", "-d", db.ConnString())
		for _, want := range []string{"CREATE ROLE " + role + ";", "CONNECTION LIMIT 7", "work_mem", "app owner", "GRANT " + role + " TO " + role + "_member"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("globals script lacks %q:\n%s", want, r.stdout)
			}
		}
		// Replayed after dropping the roles, it brings them back.
		db.Exec(t, fmt.Sprintf("DROP ROLE %[1]s_member; DROP ROLE %[1]s", role))
		var script strings.Builder
		for _, line := range strings.SplitAfter(r.stdout, "\n") {
			if strings.Contains(line, role) || !strings.HasPrefix(line, "CREATE ROLE") && !strings.HasPrefix(line, "ALTER ROLE") {
				script.WriteString(line)
			}
		}
		psql(t, s, db.ConnString(), strings.ReplaceAll(script.String(), "SET standard_conforming_strings = on;", ""))
		if got := db.QueryString(t, "SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", role); got != "7" {
			t.Errorf("role not restored: connection limit %q", got)
		}
		if r := runCmd(t, s.Env(), nil, bin, "dump", "-g", "-F", "t", "-d", db.ConnString()); r.code != 1 && r.code != 2 || !strings.Contains(r.stderr, "plain") {
			t.Errorf("-g -F t: exit %d: %s", r.code, r.stderr)
		}
	})
}
