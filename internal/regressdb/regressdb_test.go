package regressdb_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/pgstow/pgstow/internal/pgtest"
	"github.com/pgstow/pgstow/internal/regressdb"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestBuild(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		if !regressdb.Supported(s.Major) {
			t.Skipf("no Debian release carries PostgreSQL %d's sources, so its regression database cannot be built (scripts/regress-db supports 13, 15, 17, 18)", s.Major)
		}
		db := regressdb.Build(t, s)
		t.Logf("pg_regress summary:\n%s", regressdb.Log(s))

		// Objects the suite leaves behind, outside the system schemas. PostgreSQL 15
		// leaves 970 relations, 616 tables, 331 functions, 21 C functions, 1447 types,
		// 14 operators, 47 aggregates, 48 views, 63 triggers. 13 and 18 leave fewer:
		// their tests run with psql 15, and 18's sources (18.6) have a test that
		// crashes the 18.4 server mid-run. The minimums catch a broken build: a
		// missing regress.so, a run stopped early.
		counts := []struct {
			what string
			sql  string
			min  int
		}{
			{"relations", `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`, 600},
			{"tables", `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`, 350},
			{"functions", `SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
				WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`, 150},
			{"C functions from regress.so", `SELECT count(*) FROM pg_proc WHERE probin LIKE '%regress%'`, 15},
			{"types", `SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
				WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`, 800},
			{"operators", `SELECT count(*) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
				WHERE n.nspname <> 'pg_catalog'`, 10},
			{"aggregates", `SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
				JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname <> 'pg_catalog'`, 10},
			{"views", `SELECT count(*) FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`, 15},
			{"triggers", `SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal`, 15},
			{"rows of tenk1", `SELECT count(*) FROM tenk1`, 10000},
		}
		for _, c := range counts {
			got, err := strconv.Atoi(db.QueryString(t, c.sql))
			if err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
			t.Logf("%s: %d", c.what, got)
			if got < c.min {
				t.Errorf("%s: %d, want at least %d", c.what, got, c.min)
			}
		}

		// Copies are independent databases with the same contents.
		start := time.Now()
		a := regressdb.Copy(t, s)
		t.Logf("one copy took %s", time.Since(start).Round(time.Millisecond))
		b := regressdb.Copy(t, s)
		if a.Name == b.Name || a.Name == db.Name {
			t.Fatalf("copies share a name: %s %s %s", db.Name, a.Name, b.Name)
		}
		a.Exec(t, "DROP TABLE tenk1 CASCADE")
		if got := b.QueryString(t, "SELECT count(*) FROM tenk1"); got != "10000" {
			t.Errorf("copy %s: tenk1 has %s rows after dropping it in %s, want 10000", b.Name, got, a.Name)
		}
		if got := db.QueryString(t, "SELECT count(*) FROM pg_class WHERE relname = 'tenk1'"); got != "1" {
			t.Errorf("template %s lost tenk1 after a copy dropped it", db.Name)
		}
		// The copy carries pg_regress's database settings.
		if got, want := a.QueryString(t, "SHOW lc_messages"), db.QueryString(t, "SELECT setting FROM pg_settings WHERE name = 'lc_messages'"); got != want {
			t.Errorf("copy %s: lc_messages %q, want the template's %q", a.Name, got, want)
		}
		if got := b.QueryString(t, `SELECT count(*) FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`); got != "1" {
			t.Errorf("copy %s: %s database setting rows, want 1", b.Name, got)
		}
		// A second Build call returns the same database without rebuilding.
		if again := regressdb.Build(t, s); again.Name != db.Name {
			t.Errorf("second Build returned %s, want %s", again.Name, db.Name)
		}
	})
}
