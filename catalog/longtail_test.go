package catalog

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// roundTripSQL creates a database from setup, replays its TOC into an empty
// database and asserts that both schemas are equal (oracle fingerprint and
// pg_dump text), except for objects matching ignore. It returns the catalog
// for further assertions.
func roundTripSQL(t *testing.T, s *pgtest.Server, setup string, ignore ...*regexp.Regexp) *Catalog {
	t.Helper()
	src := s.NewDB(t)
	src.Exec(t, setup)
	c := load(t, src, Options{})
	checkInvariants(t, c)
	dst := s.NewDB(t)
	restore(t, c, dst)
	diffs, err := pgtest.CompareWith(context.Background(), src, dst, pgtest.CompareOptions{Ignore: ignore})
	if err != nil {
		t.Fatal(err)
	}
	var schema []pgtest.Diff
	for _, d := range diffs {
		if d.Kind == pgtest.KindSchema || d.Kind == pgtest.KindPgDump {
			schema = append(schema, d)
		}
	}
	if len(schema) > 0 {
		t.Errorf("schema differs after replaying the TOC:\n%s", pgtest.FormatDiffs(schema, 100))
		dumpTOC(t, c)
	}
	return c
}

// entryByTag returns the first entry of desc whose tag is tag.
func entryByTag(c *Catalog, desc, tag string) *Entry {
	for _, e := range c.Entries {
		if e.Desc == desc && e.Tag == tag {
			return e
		}
	}
	return nil
}

// TestPartitionFKNames: a partition's foreign key that had its own name before
// the partition was attached keeps it (the parent's ADD adopts it).
func TestPartitionFKNames(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		c := roundTripSQL(t, s, `
CREATE TABLE pk (a int PRIMARY KEY);
CREATE TABLE fk (a int) PARTITION BY RANGE (a);
ALTER TABLE fk ADD CONSTRAINT fk_a_fkey FOREIGN KEY (a) REFERENCES pk;
CREATE TABLE fk_1 (a int);
ALTER TABLE fk_1 ADD CONSTRAINT fk_1_own_name FOREIGN KEY (a) REFERENCES pk;
ALTER TABLE fk ATTACH PARTITION fk_1 FOR VALUES FROM (0) TO (10);
CREATE TABLE fk_2 (a int) PARTITION BY RANGE (a);
CREATE TABLE fk_2_1 PARTITION OF fk_2 FOR VALUES FROM (10) TO (15);
ALTER TABLE fk_2 ADD CONSTRAINT fk_2_sub FOREIGN KEY (a) REFERENCES pk;
ALTER TABLE fk ATTACH PARTITION fk_2 FOR VALUES FROM (10) TO (20);
CREATE TABLE fk_3 PARTITION OF fk FOR VALUES FROM (20) TO (30);
`)
		own := entryByTag(c, "FK CONSTRAINT", "fk_1 fk_1_own_name")
		sub := entryByTag(c, "FK CONSTRAINT", "fk_2 fk_2_sub")
		top := entryByTag(c, "FK CONSTRAINT", "fk fk_a_fkey")
		if own == nil || sub == nil || top == nil {
			t.Fatalf("FK entries missing: %v %v %v", own, sub, top)
		}
		if !contains(top.Deps, own.ID) || !contains(top.Deps, sub.ID) {
			t.Errorf("parent FK deps %v lack the partitions' own FKs %d, %d", top.Deps, own.ID, sub.ID)
		}
		if entryByTag(c, "FK CONSTRAINT", "fk_3 fk_a_fkey") != nil {
			t.Errorf("a clone with the parent's name is dumped on its own")
		}
	})
}

// TestFKToPartitionedWaitsForAttach: a foreign key referencing a partitioned
// table follows the INDEX ATTACH of every partition index below the referenced
// index (a parallel restore would otherwise add it while the index is invalid).
func TestFKToPartitionedWaitsForAttach(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		c := roundTripSQL(t, s, `
CREATE TABLE pk (a int PRIMARY KEY) PARTITION BY RANGE (a);
CREATE TABLE pk_1 PARTITION OF pk FOR VALUES FROM (0) TO (10);
CREATE TABLE pk_2 PARTITION OF pk FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (a);
CREATE TABLE pk_2_1 PARTITION OF pk_2 FOR VALUES FROM (10) TO (15);
CREATE TABLE fk (a int REFERENCES pk);
`)
		fk := entryByTag(c, "FK CONSTRAINT", "fk fk_a_fkey")
		if fk == nil {
			t.Fatal("no FK CONSTRAINT fk fk_a_fkey")
		}
		n := 0
		for _, e := range c.Entries {
			if e.Desc == "INDEX ATTACH" {
				n++
				if !contains(fk.Deps, e.ID) {
					t.Errorf("FK deps %v lack INDEX ATTACH %q (%d)", fk.Deps, e.Tag, e.ID)
				}
			}
		}
		if n != 3 {
			t.Errorf("%d INDEX ATTACH entries, want 3", n)
		}
	})
}

// TestLanguages: a procedural language created by a user (handler, inline and
// validator of an existing language), with a comment, an owner and an ACL.
func TestLanguages(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		c := roundTripSQL(t, s, `
CREATE FUNCTION public.my_handler() RETURNS language_handler AS 'plpgsql', 'plpgsql_call_handler' LANGUAGE c;
CREATE FUNCTION public.my_inline(internal) RETURNS void AS 'plpgsql', 'plpgsql_inline_handler' LANGUAGE c STRICT;
CREATE FUNCTION public.my_validator(oid) RETURNS void AS 'plpgsql', 'plpgsql_validator' LANGUAGE c STRICT;
CREATE TRUSTED LANGUAGE "my PL" HANDLER public.my_handler INLINE public.my_inline VALIDATOR public.my_validator;
CREATE LANGUAGE plain_pl HANDLER public.my_handler;
COMMENT ON LANGUAGE "my PL" IS 'a copy of plpgsql';
DO $$ BEGIN CREATE ROLE catalog_r1; EXCEPTION WHEN OTHERS THEN NULL; END $$;
ALTER LANGUAGE plain_pl OWNER TO catalog_r1;
REVOKE USAGE ON LANGUAGE "my PL" FROM PUBLIC;
GRANT USAGE ON LANGUAGE "my PL" TO catalog_r1 WITH GRANT OPTION;
CREATE FUNCTION public.uses_pl() RETURNS int LANGUAGE "my PL" AS 'BEGIN RETURN 1; END';
`)
		e := entryByTag(c, "PROCEDURAL LANGUAGE", "my PL")
		if e == nil || !strings.Contains(e.Create, `CREATE TRUSTED PROCEDURAL LANGUAGE "my PL" HANDLER public.my_handler INLINE public.my_inline VALIDATOR public.my_validator;`) {
			t.Errorf("language entry: %+v", e)
		}
		if entryByTag(c, "PROCEDURAL LANGUAGE", "plpgsql") != nil {
			t.Errorf("plpgsql (an extension's language) dumped")
		}
	})
}

// TestSubscriptions: subscriptions are dumped disabled and unconnected, with
// their slot name, publications, options, owner and comment.
func TestSubscriptions(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		setup := `
CREATE SUBSCRIPTION "Sub one" CONNECTION 'host=192.0.2.1 port=5 dbname=nowhere connect_timeout=1'
  PUBLICATION p1, "P two" WITH (connect = false, slot_name = 'slot_one', synchronous_commit = 'local');
CREATE SUBSCRIPTION sub_noslot CONNECTION 'dbname=nowhere' PUBLICATION p1 WITH (connect = false, slot_name = NONE);
COMMENT ON SUBSCRIPTION sub_noslot IS 'no slot';
`
		if s.Major >= 14 {
			setup += `ALTER SUBSCRIPTION "Sub one" SET (binary = true, streaming = on);
`
		}
		if s.Major >= 15 {
			setup += `ALTER SUBSCRIPTION sub_noslot SET (disable_on_error = true);
CREATE SUBSCRIPTION sub_2pc CONNECTION 'dbname=nowhere' PUBLICATION p1 WITH (connect = false, two_phase = true);
`
		}
		if s.Major >= 16 {
			setup += `ALTER SUBSCRIPTION sub_noslot SET (origin = none, password_required = false, run_as_owner = true);
`
		}
		// Subscriptions keep their database from being dropped: remove them
		// first (cleanups run last-in first-out, so register before creating
		// the databases).
		var dbs []*pgtest.DB
		t.Cleanup(func() {
			for _, db := range dbs {
				for _, n := range []string{`"Sub one"`, "sub_noslot", "sub_2pc"} {
					_ = db.TryExec("ALTER SUBSCRIPTION " + n + " DISABLE")
					_ = db.TryExec("ALTER SUBSCRIPTION " + n + " SET (slot_name = NONE)")
					_ = db.TryExec("DROP SUBSCRIPTION " + n)
				}
			}
		})
		src := s.NewDB(t)
		dbs = append(dbs, src)
		src.Exec(t, setup)
		c := load(t, src, Options{})
		checkInvariants(t, c)
		dst := s.NewDB(t)
		dbs = append(dbs, dst)
		restore(t, c, dst)
		pgtest.AssertSameSchema(t, src, dst)
		e := entryByTag(c, "SUBSCRIPTION", "Sub one")
		want := `CREATE SUBSCRIPTION "Sub one" CONNECTION 'host=192.0.2.1 port=5 dbname=nowhere connect_timeout=1' PUBLICATION p1, "P two" WITH (connect = false, slot_name = 'slot_one', `
		if s.Major >= 14 {
			want += "binary = true, streaming = on, "
		}
		if e == nil || !strings.Contains(e.Create, want+"synchronous_commit = 'local');") {
			t.Errorf("subscription entry: %+v", e)
		}
		got := dst.QueryString(t, `SELECT string_agg(subname || ' ' || subenabled || ' ' || coalesce(subslotname::text, '-'), ', ' ORDER BY subname) FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`)
		if got != "Sub one false slot_one, sub_2pc false sub_2pc, sub_noslot false -" && got != "Sub one false slot_one, sub_noslot false -" {
			t.Errorf("restored subscriptions: %s", got)
		}
	})
}

// TestSecurityLabels: labels (no provider is installed on the test servers, so
// the rows are written into pg_seclabel directly) come out as SECURITY LABEL
// entries right after their object, for objects and columns, in provider
// order; NoSecurityLabels leaves them out.
func TestSecurityLabels(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		src := s.NewDB(t)
		src.Exec(t, `
CREATE TABLE public.t (a int, "B" text);
CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
INSERT INTO pg_catalog.pg_seclabel VALUES
  ('public.t'::regclass, 'pg_class'::regclass, 0, 'zprov', 'z''s label'),
  ('public.t'::regclass, 'pg_class'::regclass, 0, 'aprov', 'top secret'),
  ('public.t'::regclass, 'pg_class'::regclass, 2, 'aprov', 'column label'),
  ('public.f()'::regprocedure, 'pg_proc'::regclass, 0, 'aprov', 'fn label');
`)
		c := load(t, src, Options{})
		checkInvariants(t, c)
		want := []string{
			`SECURITY LABEL FOR aprov ON FUNCTION public.f() IS 'fn label';`,
			`SECURITY LABEL FOR aprov ON TABLE public.t IS 'top secret';`,
			`SECURITY LABEL FOR zprov ON TABLE public.t IS 'z''s label';`,
			`SECURITY LABEL FOR aprov ON COLUMN public.t."B" IS 'column label';`,
		}
		var got []string
		for i, e := range c.Entries {
			if e.Desc != "SECURITY LABEL" {
				continue
			}
			got = append(got, strings.TrimSpace(e.Create))
			if e.Section != SectionNone || len(e.Deps) == 0 {
				t.Errorf("label entry %d: section %d deps %v", e.ID, e.Section, e.Deps)
			}
			// It follows its object (possibly after other children).
			parent := -1
			for j := i - 1; j >= 0; j-- {
				if c.Entries[j].ID == e.Deps[0] {
					parent = j
				}
			}
			if parent < 0 || (c.Entries[parent].Desc != "TABLE" && c.Entries[parent].Desc != "FUNCTION") {
				t.Errorf("label entry %d %q does not follow its object (deps %v)", e.ID, e.Create, e.Deps)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("labels:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, e := range load(t, src, Options{NoSecurityLabels: true}).Entries {
			if e.Desc == "SECURITY LABEL" {
				t.Errorf("NoSecurityLabels: %q", e.Create)
			}
		}
	})
}
