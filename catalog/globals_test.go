package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// TestLoadGlobals reads roles and a tablespace, drops them, runs the script
// and checks that they come back the same.
func TestLoadGlobals(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		db := s.NewDB(t)
		// CREATE/DROP TABLESPACE cannot run in the implicit transaction of a
		// multi-statement string.
		drop := func() {
			db.Exec(t, `DROP TABLESPACE IF EXISTS regress_catalog_gts`)
			db.Exec(t, `DROP ROLE IF EXISTS regress_catalog_g1, "regress_catalog G2", regress_catalog_g3`)
		}
		drop()
		t.Cleanup(func() {
			_ = db.TryExec(`DROP TABLESPACE IF EXISTS regress_catalog_gts`)
			_ = db.TryExec(`DROP ROLE IF EXISTS regress_catalog_g1, "regress_catalog G2", regress_catalog_g3`)
		})
		db.Exec(t, `
CREATE ROLE "regress_catalog G2" NOINHERIT CREATEDB;
CREATE ROLE regress_catalog_g1 LOGIN CONNECTION LIMIT 5 PASSWORD 'secret' VALID UNTIL '2030-01-02 03:04:05+00' IN ROLE "regress_catalog G2";
CREATE ROLE regress_catalog_g3 REPLICATION BYPASSRLS;
GRANT regress_catalog_g1 TO regress_catalog_g3 WITH ADMIN OPTION;
COMMENT ON ROLE regress_catalog_g1 IS 'the first';
ALTER ROLE regress_catalog_g1 SET work_mem = '8MB';
ALTER ROLE regress_catalog_g1 SET search_path = a, "B C";
ALTER ROLE "regress_catalog G2" IN DATABASE `+quoteIdent(db.Name)+` SET statement_timeout = '5s';`)
		// The server runs as another user than the tests: an in-place
		// tablespace (in its data directory) needs no directory of ours.
		conn := db.Connect(t)
		ctx := context.Background()
		// (12 and 13 lack allow_in_place_tablespaces: roles only there.)
		inPlace := db.QueryString(t, `SELECT count(*) FROM pg_settings WHERE name = 'allow_in_place_tablespaces'`) == "1"
		if inPlace {
			if _, err := conn.Exec(ctx, `SET allow_in_place_tablespaces = on`); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `CREATE TABLESPACE regress_catalog_gts OWNER regress_catalog_g1 LOCATION '' WITH (random_page_cost = 2)`); err != nil {
				t.Fatal(err)
			}
			db.Exec(t, `
GRANT CREATE ON TABLESPACE regress_catalog_gts TO regress_catalog_g3;
COMMENT ON TABLESPACE regress_catalog_gts IS 'a tablespace';`)
		}
		state := `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT r.rolname || ' ' || r.rolsuper || r.rolinherit || r.rolcreaterole || r.rolcreatedb || r.rolcanlogin
    || r.rolreplication || r.rolbypassrls || ' ' || r.rolconnlimit || ' ' || coalesce(r.rolpassword, '-') || ' '
    || coalesce(r.rolvaliduntil::text, '-') || ' ' || coalesce(shobj_description(r.oid, 'pg_authid'), '-') AS x
  FROM pg_authid r WHERE r.rolname LIKE 'regress_catalog%'
  UNION ALL SELECT 'member ' || m.roleid::regrole || ' ' || m.member::regrole || ' ' || m.admin_option
  FROM pg_auth_members m WHERE m.member::regrole::text LIKE '%regress_catalog%'
  UNION ALL SELECT 'setting ' || s.setrole::regrole || ' ' || (s.setdatabase <> 0) || ' ' || s.setconfig::text
  FROM pg_db_role_setting s WHERE s.setrole::regrole::text LIKE '%regress_catalog%'
  UNION ALL SELECT 'tablespace ' || t.spcname || ' ' || t.spcowner::regrole || ' ' 
    || coalesce(t.spcoptions::text, '-') || ' ' || coalesce(t.spcacl::text, '-') || ' ' || coalesce(shobj_description(t.oid, 'pg_tablespace'), '-')
  FROM pg_tablespace t WHERE t.spcname LIKE 'regress_catalog%') s`
		before := db.QueryString(t, state)
		g, err := LoadGlobals(ctx, conn, GlobalsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		script := g.Script()
		wants := []string{"CREATE ROLE regress_catalog_g1;\n", `GRANT "regress_catalog G2" TO regress_catalog_g1`}
		if inPlace {
			wants = append(wants, "CREATE TABLESPACE regress_catalog_gts OWNER regress_catalog_g1 LOCATION '';\n")
		}
		for _, want := range wants {
			if !strings.Contains(script, want) {
				t.Errorf("script lacks %q", want)
			}
		}
		if strings.Contains(script, "CREATE ROLE pg_") || strings.Contains(script, "CREATE TABLESPACE pg_") {
			t.Errorf("built-in roles or tablespaces in the script")
		}
		drop()
		if got := db.QueryString(t, state); got == before {
			t.Fatalf("drop did not remove the globals")
		}
		for _, st := range g.Statements {
			if !strings.Contains(st.Name, "regress_catalog") {
				continue
			}
			if _, err := conn.Exec(context.Background(), st.SQL); err != nil {
				t.Fatalf("%s %s: %v\n%s", st.Kind, st.Name, err, st.SQL)
			}
		}
		if after := db.QueryString(t, state); after != before {
			t.Errorf("globals differ after replay:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		g2, err := LoadGlobals(context.Background(), conn, GlobalsOptions{NoPasswords: true, NoTablespaces: true, NoComments: true})
		if err != nil {
			t.Fatal(err)
		}
		if s := g2.Script(); strings.Contains(s, "PASSWORD") || strings.Contains(s, "TABLESPACE") || strings.Contains(s, "COMMENT") {
			t.Errorf("options not applied:\n%s", s)
		}
	})
}
