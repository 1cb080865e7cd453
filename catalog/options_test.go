package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

func TestQuoteIdent(t *testing.T) {
	cases := map[string]string{
		"abc": "abc", "a_1": "a_1", "_x": "_x", "Abc": `"Abc"`, "1a": `"1a"`, "a b": `"a b"`, `a"b`: `"a""b"`,
		"select": `"select"`, "user": `"user"`, "integer": `"integer"`, "left": `"left"`, "name": "name",
		"text": "text", "a.b": `"a.b"`, "ü": `"ü"`, "": `""`, "a\nb": "\"a\nb\"", "between": `"between"`,
	}
	for in, want := range cases {
		if got := quoteIdent(in); got != want {
			t.Errorf("quoteIdent(%q) = %q, want %q", in, got, want)
		}
	}
	if got := quoteLiteral(`it's \ok`, true); got != `'it''s \ok'` {
		t.Errorf("quoteLiteral std: %s", got)
	}
	if got := quoteLiteral(`a\b`, false); got != `E'a\\b'` {
		t.Errorf("quoteLiteral non-std: %s", got)
	}
}

func TestPatterns(t *testing.T) {
	f, err := compileFilter(Filter{IncludeTables: []string{`s1.t?`, `"My Schema"."My"*`, `Foo*`}, ExcludeTables: []string{`s1.t2`},
		IncludeSchemas: []string{`S*`, `"x.y"`}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		schema, name string
		want         bool
	}{
		{"s1", "t1", true}, {"s1", "t2", false}, {"s1", "t12", false}, {"s2", "t1", false},
		{"My Schema", "My Table", true}, {"my schema", "My Table", false}, {"any", "foobar", true}, {"any", "Foobar", false},
	} {
		if got := f.tableSelected(c.schema, c.name, 'r'); got != c.want {
			t.Errorf("table %s.%s selected = %v, want %v", c.schema, c.name, got, c.want)
		}
	}
	for name, want := range map[string]bool{"s1": true, "select": true, "S1": false, "x.y": true, "public": false} {
		if got := f.schemaSelected(name); got != want {
			t.Errorf("schema %q selected = %v, want %v", name, got, want)
		}
	}
	if _, err := compileFilter(Filter{IncludeTables: []string{`a.b.c.d`}}); err == nil {
		t.Errorf("too many dotted names accepted")
	}
	if _, err := compileFilter(Filter{IncludeSchemas: []string{`"open`}}); err == nil {
		t.Errorf("unterminated quote accepted")
	}
}

func TestParseACL(t *testing.T) {
	items := parseACL(`{=X/postgres,"\"a\"\"b c\"=r*w/\"x y\"",postgres=arwdDxt/postgres}`)
	want := []aclItem{{"", "X", "postgres"}, {`a"b c`, "r*w", "x y"}, {"postgres", "arwdDxt", "postgres"}}
	if len(items) != len(want) {
		t.Fatalf("got %v", items)
	}
	for i := range want {
		if items[i] != want[i] {
			t.Errorf("item %d = %+v, want %+v", i, items[i], want[i])
		}
	}
	sql := aclCommands(items, []aclItem{{"postgres", "arwdDxt", "postgres"}, {"", "r", "postgres"}}, "TABLE", "t", "", "arwdDxt", "postgres", "")
	for _, w := range []string{"REVOKE SELECT ON TABLE t FROM PUBLIC;\n", "GRANT EXECUTE ON TABLE t TO PUBLIC;\n",
		"SET SESSION AUTHORIZATION \"x y\";\nGRANT UPDATE ON TABLE t TO \"a\"\"b c\";\nGRANT SELECT ON TABLE t TO \"a\"\"b c\" WITH GRANT OPTION;\nRESET SESSION AUTHORIZATION;\n"} {
		if !strings.Contains(sql, w) {
			t.Errorf("ACL commands lack %q:\n%s", w, sql)
		}
	}
	if strings.Contains(sql, "postgres") {
		t.Errorf("unchanged owner entry produced commands:\n%s", sql)
	}
}

func count(c *Catalog, pred func(*Entry) bool) int {
	n := 0
	for _, e := range c.Entries {
		if pred(e) {
			n++
		}
	}
	return n
}

func TestOptions(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		src := loadFixture(t, s)
		isData := func(e *Entry) bool {
			switch e.Desc {
			case "TABLE DATA", "SEQUENCE SET", "BLOB", "BLOBS", "MATERIALIZED VIEW DATA":
				return true
			}
			return false
		}
		full := load(t, src, Options{})

		so := load(t, src, Options{SchemaOnly: true})
		checkInvariants(t, so)
		if n := count(so, isData); n != 0 {
			t.Errorf("SchemaOnly: %d data entries", n)
		}
		if count(so, func(e *Entry) bool { return e.Desc == "TABLE" }) != count(full, func(e *Entry) bool { return e.Desc == "TABLE" }) {
			t.Errorf("SchemaOnly lost tables")
		}

		do := load(t, src, Options{DataOnly: true})
		checkDataOnly(t, do)
		if count(do, func(e *Entry) bool { return e.Desc == "TABLE DATA" }) != count(full, func(e *Entry) bool { return e.Desc == "TABLE DATA" }) {
			t.Errorf("DataOnly lost TABLE DATA entries")
		}

		nc := load(t, src, Options{NoComments: true, NoACL: true})
		checkInvariants(t, nc)
		if n := count(nc, func(e *Entry) bool { return e.Desc == "COMMENT" || e.Desc == "ACL" || e.Desc == "DEFAULT ACL" }); n != 0 {
			t.Errorf("NoComments/NoACL: %d comment/ACL entries", n)
		}
		nb := load(t, src, Options{NoBlobs: true})
		if n := count(nb, func(e *Entry) bool { return e.Desc == "BLOB" || e.Desc == "BLOBS" }); n != 0 {
			t.Errorf("NoBlobs: %d blob entries", n)
		}

		cr := load(t, src, Options{Create: true})
		checkInvariants(t, cr)
		db := cr.Entries[3]
		if db.Desc != "DATABASE" || db.Tag != src.Name || !strings.HasPrefix(db.Create, "CREATE DATABASE "+quoteIdent(src.Name)+" WITH TEMPLATE = template0 ENCODING = 'UTF8'") ||
			db.Drop != "DROP DATABASE "+quoteIdent(src.Name)+";\n" || db.CatalogOID != 1262 || db.Owner == "" {
			t.Errorf("DATABASE entry: %+v", db)
		}
		if cr.Database != src.Name || cr.Encoding != "UTF8" || !cr.StdStrings || cr.Server.Major() != s.Major || cr.ServerVersion == "" {
			t.Errorf("catalog header: %+v", cr)
		}
	})
}

// checkDataOnly asserts a data-only TOC holds only data entries with valid deps.
func checkDataOnly(t *testing.T, c *Catalog) {
	t.Helper()
	ids := map[int]bool{}
	for _, e := range c.Entries {
		ids[e.ID] = true
	}
	for _, e := range c.Entries[3:] {
		switch e.Desc {
		case "TABLE DATA", "SEQUENCE SET", "BLOB", "BLOBS":
		case "COMMENT", "ACL":
			if !strings.HasPrefix(e.Tag, "LARGE OBJECT ") {
				t.Errorf("DataOnly: %s %q", e.Desc, e.Tag)
			}
		default:
			t.Errorf("DataOnly: %s %q", e.Desc, e.Tag)
		}
		for _, d := range e.Deps {
			if !ids[d] {
				t.Errorf("DataOnly: %s %q depends on missing %d", e.Desc, e.Tag, d)
			}
		}
	}
}

func TestFilters(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		src := loadFixture(t, s)
		ctx := context.Background()
		_ = ctx
		only := load(t, src, Options{Filter: Filter{IncludeSchemas: []string{`"My Schema"`}}})
		checkInvariants(t, only)
		for _, e := range only.Entries[3:] {
			if e.Namespace != "My Schema" && !(e.Desc == "SCHEMA" && e.Tag == "My Schema") &&
				!(e.Desc == "COMMENT" && e.Tag == `SCHEMA "My Schema"`) {
				t.Errorf("IncludeSchemas: unexpected %s %q ns=%q", e.Desc, e.Tag, e.Namespace)
			}
		}
		find(t, only, "TABLE", "My Table")
		find(t, only, "SEQUENCE", "My Seq")
		restore(t, only, s.NewDB(t))

		tabs := load(t, src, Options{Filter: Filter{IncludeTables: []string{"s1.t1", `"select".*`}, ExcludeTables: []string{`"select".v*`},
			ExcludeTableData: []string{"s1.t1"}}})
		checkInvariants(t, tabs)
		for _, e := range tabs.Entries[3:] {
			switch e.Desc {
			case "SCHEMA", "FUNCTION", "TYPE", "DOMAIN", "EXTENSION", "DEFAULT ACL", "BLOB":
				t.Errorf("IncludeTables: %s %q dumped", e.Desc, e.Tag)
			}
			if e.Namespace != "s1" && e.Namespace != "select" {
				t.Errorf("IncludeTables: %s %q in %q", e.Desc, e.Tag, e.Namespace)
			}
		}
		find(t, tabs, "TABLE", "t1")
		find(t, tabs, "SEQUENCE", "t1_id_seq") // owned by t1
		find(t, tabs, "TABLE", "from")
		find(t, tabs, "TABLE DATA", "from")
		find(t, tabs, "TRIGGER", "t1 t1_trg")
		if n := count(tabs, func(e *Entry) bool {
			return e.Tag == "v w" || e.Tag == "t2" || e.Desc == "TABLE DATA" && e.Tag == "t1"
		}); n != 0 {
			t.Errorf("excluded tables or data present")
		}

		ex := load(t, src, Options{Filter: Filter{ExcludeSchemas: []string{"s?", `"select"`}}})
		checkInvariants(t, ex)
		for _, e := range ex.Entries {
			if e.Namespace == "s1" || e.Namespace == "select" {
				t.Errorf("ExcludeSchemas: %s %q", e.Desc, e.Tag)
			}
		}
		// The excluded schemas' objects are gone, the rest restores.
		dst := s.NewDB(t)
		// Event triggers are global and call a function in an excluded schema.
		dst.Exec(t, `CREATE SCHEMA s1; CREATE SCHEMA "select";
CREATE FUNCTION s1.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$`)
		restore(t, ex, dst)
	})
}

// TestExtensionConfigData: the data of an extension's configuration table is
// dumped (with its row filter), the table itself is not.
func TestExtensionConfigData(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		db := s.NewDB(t)
		db.Exec(t, `CREATE EXTENSION citext;
CREATE TABLE public.ext_cfg (k int, user_row bool);
ALTER EXTENSION citext ADD TABLE public.ext_cfg;
UPDATE pg_catalog.pg_extension SET extconfig = ARRAY['public.ext_cfg'::regclass::oid],
  extcondition = ARRAY['WHERE user_row'] WHERE extname = 'citext';`)
		c := load(t, db, Options{})
		checkInvariants(t, c)
		d := find(t, c, "TABLE DATA", "ext_cfg")
		ext := find(t, c, "EXTENSION", "citext")
		if d.Data.Where != "WHERE user_row" || len(d.Deps) == 0 || d.Deps[0] != ext.ID ||
			d.Data.CopyStmt != "COPY public.ext_cfg (k, user_row) FROM stdin;\n" {
			t.Errorf("config table data: %+v %+v", d, d.Data)
		}
		if n := count(c, func(e *Entry) bool { return e.Desc == "TABLE" }); n != 0 {
			t.Errorf("extension member table dumped")
		}
		if s.ClientCanDump() && pgtest.ClientMajor() == s.Major {
			want := pgDumpList(t, db)
			got := tocList(c)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("TOC differs from pg_dump's:\n%s", lineDiff(want, got))
			}
		}
		if so := load(t, db, Options{SchemaOnly: true}); count(so, func(e *Entry) bool { return e.Desc == "TABLE DATA" }) != 0 {
			t.Errorf("SchemaOnly kept config table data")
		}
	})
}
