package restore

import (
	"strings"
	"testing"

	"github.com/pgstow/pgstow/format"
)

func TestDropStatementIfExists(t *testing.T) {
	cases := []struct {
		desc, drop, want string
		found            bool
	}{
		{"TABLE", "DROP TABLE public.t1;\n", "DROP TABLE IF EXISTS public.t1;\n", true},
		{"INDEX", "DROP INDEX s.\"I x\";\n", "DROP INDEX IF EXISTS s.\"I x\";\n", true},
		{"CONSTRAINT", "ALTER TABLE ONLY public.t1 DROP CONSTRAINT t1_pkey;\n",
			"ALTER TABLE IF EXISTS ONLY public.t1 DROP CONSTRAINT IF EXISTS t1_pkey;\n", true},
		{"FK CONSTRAINT", "ALTER TABLE ONLY public.c DROP CONSTRAINT c_fk;\n",
			"ALTER TABLE IF EXISTS ONLY public.c DROP CONSTRAINT IF EXISTS c_fk;\n", true},
		{"DEFAULT", "ALTER TABLE public.t1 ALTER COLUMN id DROP DEFAULT;\n",
			"ALTER TABLE IF EXISTS public.t1 ALTER COLUMN id DROP DEFAULT;\n", true},
		{"SCHEMA", "-- *not* dropping schema, since initdb creates it\n", "-- *not* dropping schema, since initdb creates it\n", true},
		{"FUNCTION", "DROP FUNCTION public.f(integer);\n", "DROP FUNCTION IF EXISTS public.f(integer);\n", true},
		{"MATERIALIZED VIEW", "DROP MATERIALIZED VIEW public.mv;\n", "DROP MATERIALIZED VIEW IF EXISTS public.mv;\n", true},
		{"VIEW", "CREATE OR REPLACE VIEW public.v AS SELECT 1;\n", "CREATE OR REPLACE VIEW public.v AS SELECT 1;\n", true},
		{"TABLE", "drop table public.t1;\n", "drop table public.t1;\n", false},
		{"BLOB", "SELECT pg_catalog.lo_unlink('16416');\n",
			"SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '16416';\n", true},
	}
	for _, c := range cases {
		e := &format.Entry{Desc: c.desc, DropStmt: c.drop, Tag: "16416"}
		got, found := dropStatement(e, true)
		if got != c.want || found != c.found {
			t.Errorf("%s %q: got %q (%v), want %q (%v)", c.desc, c.drop, got, found, c.want, c.found)
		}
		if plain, _ := dropStatement(e, false); plain != c.drop {
			t.Errorf("without IF EXISTS %q changed to %q", c.drop, plain)
		}
	}
}

func TestOwnerStatement(t *testing.T) {
	cases := []struct {
		e    format.Entry
		want string
	}{
		{format.Entry{Desc: "TABLE", Namespace: "public", Tag: "t1", Owner: "bob", DropStmt: "DROP TABLE public.t1;\n"},
			"ALTER TABLE public.t1 OWNER TO bob;\n"},
		{format.Entry{Desc: "TABLE", Namespace: "we\"ird", Tag: "Tab le", Owner: "Bob", DropStmt: "x"},
			"ALTER TABLE \"we\"\"ird\".\"Tab le\" OWNER TO \"Bob\";\n"},
		{format.Entry{Desc: "TABLE", Namespace: "public", Tag: "user", Owner: "bob", DropStmt: "x"},
			"ALTER TABLE public.\"user\" OWNER TO bob;\n"},
		{format.Entry{Desc: "SCHEMA", Tag: "s1", Owner: "bob", DropStmt: "DROP SCHEMA s1;\n"}, "ALTER SCHEMA s1 OWNER TO bob;\n"},
		{format.Entry{Desc: "FUNCTION", Namespace: "public", Tag: "f(integer)", Owner: "bob", DropStmt: "DROP FUNCTION public.f(integer);\n"},
			"ALTER FUNCTION public.f(integer) OWNER TO bob;\n"},
		{format.Entry{Desc: "BLOB", Tag: "16416", Owner: "bob", DropStmt: "SELECT pg_catalog.lo_unlink('16416');\n"},
			"ALTER LARGE OBJECT 16416 OWNER TO bob;\n"},
		{format.Entry{Desc: "INDEX", Namespace: "public", Tag: "i", Owner: "bob", DropStmt: "DROP INDEX public.i;\n"}, ""},
		{format.Entry{Desc: "FK CONSTRAINT", Namespace: "public", Tag: "t c", Owner: "bob", DropStmt: "x"}, ""},
		{format.Entry{Desc: "TABLE", Namespace: "public", Tag: "t1", Owner: "", DropStmt: "x"}, ""},
		{format.Entry{Desc: "TABLE", Namespace: "public", Tag: "t1", Owner: "bob"}, ""},
	}
	for _, c := range cases {
		got, err := ownerStatement(&c.e)
		if err != nil || got != c.want {
			t.Errorf("%s %s: got %q, %v; want %q", c.e.Desc, c.e.Tag, got, err, c.want)
		}
	}
	if _, err := ownerStatement(&format.Entry{Desc: "FUNCTION", Owner: "bob", DropStmt: "SELECT 1;"}); err == nil {
		t.Error("FUNCTION with a non-DROP drop statement: no error")
	}
}

func TestFreezeCopy(t *testing.T) {
	if got := freezeCopy("COPY public.t (a, b) FROM stdin;\n"); got != "COPY public.t (a, b) FROM stdin WITH (FREEZE);" {
		t.Errorf("freezeCopy: %q", got)
	}
	if got := freezeCopy("COPY public.t (a) FROM stdin WITH (FORMAT binary);\n"); got != "" {
		t.Errorf("freezeCopy of a non-plain statement: %q", got)
	}
	e := &format.Entry{Namespace: "s", Tag: "Mixed Case", CopyStmt: "COPY s.\"Mixed Case\" (a) FROM stdin;\n"}
	if !freezeEligible(e) {
		t.Error("quoted table not eligible")
	}
	e = &format.Entry{Namespace: "public", Tag: "p_1", CopyStmt: "COPY public.p (a) FROM stdin;\n",
		Defn: "-- load via partition root public.p"}
	if freezeEligible(e) {
		t.Error("load via partition root is eligible")
	}
	e = &format.Entry{Namespace: "public", Tag: "leaf", CopyStmt: "COPY public.root (a) FROM stdin;\n"}
	if freezeEligible(e) {
		t.Error("COPY into another table is eligible")
	}
	if got := copyTarget(`COPY "a b"."c ( FROM" (x) FROM stdin;`); got != `"a b"."c ( FROM"` {
		t.Errorf("copyTarget: %q", got)
	}
}

func TestPlanSelection(t *testing.T) {
	m := sampleArchive(false)
	ids := func(o Options) string {
		jobs, _ := plan(m.toc, &o)
		var s []string
		for _, j := range jobs {
			s = append(s, j.e.Desc+":"+j.e.Tag)
		}
		return strings.Join(s, ",")
	}
	all := ids(Options{})
	if strings.Contains(all, "ENCODING") || strings.Contains(all, "SEARCHPATH") {
		t.Errorf("special entries selected: %s", all)
	}
	if got := ids(Options{Tables: []string{"big"}}); got != "TABLE:big,COMMENT:TABLE big,TABLE DATA:big,ACL:TABLE big" {
		t.Errorf("-t big: %s", got)
	}
	if got := ids(Options{DataOnly: true}); got != "TABLE DATA:big,TABLE DATA:small,TABLE DATA:chunky,SEQUENCE SET:seq" {
		t.Errorf("data only: %s", got)
	}
	if got := ids(Options{SchemaOnly: true}); strings.Contains(got, "TABLE DATA") || strings.Contains(got, "SEQUENCE SET") || !strings.Contains(got, "MATERIALIZED VIEW DATA") {
		t.Errorf("schema only: %s", got)
	}
	if got := ids(Options{Sections: []format.Section{format.SectionPostData}}); strings.Contains(got, "TABLE:") || !strings.HasPrefix(got, "CONSTRAINT:big big_pkey") || strings.Contains(got, "COMMENT") {
		t.Errorf("post-data: %s", got)
	}
	if got := ids(Options{NoACL: true, NoComments: true}); strings.Contains(got, "ACL") || strings.Contains(got, "COMMENT") {
		t.Errorf("no acl/comments: %s", got)
	}
	if got := ids(Options{Schemas: []string{"other"}}); got != "" {
		t.Errorf("-n other: %s", got)
	}
	if got := ids(Options{UseList: []int{7, 5, 5, 999}}); got != "TABLE:chunky,TABLE:big" {
		t.Errorf("use list: %s", got)
	}
	_, warns := plan(m.toc, &Options{UseList: []int{7, 5, 5, 999}})
	if len(warns) != 2 {
		t.Errorf("use list warnings: %v", warns)
	}
}

func TestReadSettings(t *testing.T) {
	toc := &format.TOC{Entries: []*format.Entry{
		{Desc: "ENCODING", Defn: "SET client_encoding = 'LATIN1';\n"},
		{Desc: "STDSTRINGS", Defn: "SET standard_conforming_strings = 'off';\n"},
	}}
	s, err := readSettings(toc)
	if err != nil || s.encoding != "LATIN1" || s.stdStrings != "off" || s.hasSearchPath {
		t.Errorf("settings %+v, %v", s, err)
	}
	toc.Entries[1].Defn = "SET standard_conforming_strings = maybe;"
	if _, err := readSettings(toc); err == nil {
		t.Error("bad STDSTRINGS accepted")
	}
	toc.Entries = toc.Entries[:1]
	toc.Entries[0].Defn = "SET client_encoding = UTF8;"
	if _, err := readSettings(toc); err == nil {
		t.Error("bad ENCODING accepted")
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestSplitUniqueConstraint(t *testing.T) {
	idx, att, ok := splitUniqueConstraint("ALTER TABLE ONLY \"we\"\"ird\".\"Tab le\"\n    ADD CONSTRAINT \"Tab le_pkey\" PRIMARY KEY (id, \"na me\");\n")
	if !ok || idx != "CREATE UNIQUE INDEX \"Tab le_pkey\" ON \"we\"\"ird\".\"Tab le\" USING btree (id, \"na me\");\n" ||
		att != "ALTER TABLE ONLY \"we\"\"ird\".\"Tab le\"\n    ADD CONSTRAINT \"Tab le_pkey\" PRIMARY KEY USING INDEX \"Tab le_pkey\";\n" {
		t.Errorf("split: %v\n%s%s", ok, idx, att)
	}
	for _, d := range []string{
		"ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_k_key UNIQUE (k) DEFERRABLE INITIALLY DEFERRED;\n",
		"ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id) INCLUDE (v);\n",
		"ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id) WITH (fillfactor='50');\n",
		"ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_k_key UNIQUE NULLS NOT DISTINCT (k);\n",
		"ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_x EXCLUDE USING gist (r WITH &&);\n",
		"ALTER TABLE public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n",
		"ALTER TABLE ONLY public.temporal_rng\n    ADD CONSTRAINT temporal_rng_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS);\n",
	} {
		if _, _, ok := splitUniqueConstraint(d); ok {
			t.Errorf("split %q", d)
		}
	}
}
