package catalog

import (
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

func TestEntryProperties(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		src := loadFixture(t, s)
		c := load(t, src, Options{})
		byID := map[int]*Entry{}
		pos := map[*Entry]int{}
		for i, e := range c.Entries {
			byID[e.ID] = e
			pos[e] = i
		}
		eq := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s:\n got %q\nwant %q", what, got, want)
			}
		}
		hasDep := func(e, on *Entry) {
			t.Helper()
			for _, d := range e.Deps {
				if d == on.ID {
					return
				}
			}
			t.Errorf("%s %q: deps %v lack %s %q (%d)", e.Desc, e.Tag, e.Deps, on.Desc, on.Tag, on.ID)
		}

		t1 := find(t, c, "TABLE", "t1")
		if t1.Section != SectionPreData || t1.Namespace != "s1" || t1.Owner != "postgres" || t1.TableAM != "heap" ||
			t1.Tablespace == nil || *t1.Tablespace != "" || t1.RelKind != 'r' || t1.CatalogOID != 1259 || t1.OID == 0 {
			t.Errorf("TABLE t1 fields: %+v", t1)
		}
		oid := src.QueryString(t, `SELECT 's1.t1'::regclass::oid`)
		eq("t1 oid", uintStr(t1.OID), oid)
		eq("t1 drop", t1.Drop, "DROP TABLE s1.t1;\n")
		for _, want := range []string{"CREATE TABLE s1.t1 (\n", "    code character varying(12) DEFAULT 'x'::character varying NOT NULL COLLATE pg_catalog.\"C\",\n",
			"    doubled integer GENERATED ALWAYS AS ((id * 2)) STORED,\n", "    \"select\" integer,\n", "    \"we\"\"ird\" text,\n",
			"    \"new\nline\" integer,\n", "CONSTRAINT t1_code_check CHECK (((code)::text <> ''::text)) NO INHERIT",
			"ALTER TABLE ONLY s1.t1 ALTER COLUMN code SET STATISTICS 500;\n",
			"ALTER TABLE ONLY s1.t1 ALTER COLUMN \"Mixed Case\" SET STORAGE EXTERNAL;\n",
			"ALTER TABLE ONLY s1.t1 ALTER COLUMN amount SET (n_distinct=10);\n"} {
			if !strings.Contains(t1.Create, want) {
				t.Errorf("TABLE t1 defn lacks %q:\n%s", want, t1.Create)
			}
		}
		if strings.Contains(t1.Create, "nextval") {
			t.Errorf("serial default must be a separate DEFAULT entry:\n%s", t1.Create)
		}
		def := find(t, c, "DEFAULT", "t1 id")
		eq("DEFAULT t1 id", def.Create, "ALTER TABLE ONLY s1.t1 ALTER COLUMN id SET DEFAULT nextval('s1.t1_id_seq'::regclass);\n")
		hasDep(def, t1)

		data := find(t, c, "TABLE DATA", "t1")
		if data.Data == nil || data.Section != SectionData || data.OID != t1.OID || data.CatalogOID != 0 || len(data.Deps) == 0 || data.Deps[0] != t1.ID {
			t.Fatalf("TABLE DATA t1: %+v", data)
		}
		eq("copy", data.Data.CopyStmt, "COPY s1.t1 (id, code, amount, created, big, small, arr, \"Mixed Case\", \"select\", \"we\"\"ird\", \"new\nline\") FROM stdin;\n")
		eq("qualified", data.Data.Qualified, "s1.t1")
		if data.Data.Schema != "s1" || data.Data.Name != "t1" || data.Data.RelKind != 'r' {
			t.Errorf("TableData: %+v", data.Data)
		}
		if e := find(t, c, "TABLE DATA", "empty"); e.Data.CopyStmt != "COPY s1.empty  FROM stdin;\n" {
			t.Errorf("empty table copy: %q", e.Data.CopyStmt)
		}
		for _, e := range c.Entries {
			if e.Desc == "TABLE DATA" && (e.Tag == "p" || e.Tag == "mv" || e.Tag == "v1") {
				t.Errorf("TABLE DATA for %q (partitioned/view)", e.Tag)
			}
		}

		eq("setval", find(t, c, "SEQUENCE SET", "My Seq").Create, "SELECT pg_catalog.setval('\"My Schema\".\"My Seq\"', 5, true);\n")
		seq := find(t, c, "SEQUENCE", "seq_all")
		eq("sequence", seq.Create, "CREATE SEQUENCE s1.seq_all\n    AS integer\n    START WITH 20\n    INCREMENT BY -3\n    MINVALUE -1000\n    MAXVALUE 50\n    CACHE 10\n    CYCLE;\n")
		// last_value on disk covers the cached values (CACHE 10), as pg_dump sees it.
		eq("seqset", find(t, c, "SEQUENCE SET", "seq_all").Create, "SELECT pg_catalog.setval('s1.seq_all', -7, true);\n")
		if seq.Tablespace != nil || seq.TableAM != "" {
			t.Errorf("SEQUENCE tablespace/tableam must be NULL")
		}
		ident := find(t, c, "SEQUENCE", "t1_big_seq")
		eq("identity", ident.Create, "ALTER TABLE s1.t1 ALTER COLUMN big ADD GENERATED ALWAYS AS IDENTITY (\n    SEQUENCE NAME s1.t1_big_seq\n    START WITH 100\n    INCREMENT BY 7\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 5\n);\n")
		hasDep(ident, t1)
		ob := find(t, c, "SEQUENCE OWNED BY", "t1_id_seq")
		eq("owned by", ob.Create, "ALTER SEQUENCE s1.t1_id_seq OWNED BY s1.t1.id;\n")
		hasDep(ob, t1)

		pk := find(t, c, "CONSTRAINT", "t1 t1_pkey")
		eq("pk", pk.Create, "ALTER TABLE ONLY s1.t1\n    ADD CONSTRAINT t1_pkey PRIMARY KEY (id);\n")
		eq("pk drop", pk.Drop, "ALTER TABLE ONLY s1.t1 DROP CONSTRAINT t1_pkey;\n")
		if pk.Section != SectionPostData || pk.CatalogOID != 2606 {
			t.Errorf("CONSTRAINT fields: %+v", pk)
		}
		hasDep(pk, t1)
		fk := find(t, c, "FK CONSTRAINT", "fk fk_self")
		eq("fk", fk.Create, "ALTER TABLE ONLY s1.fk\n    ADD CONSTRAINT fk_self FOREIGN KEY (b) REFERENCES s1.t1(id) MATCH FULL DEFERRABLE;\n")
		hasDep(fk, pk)
		nv := find(t, c, "CHECK CONSTRAINT", "t1 t1_amount_small")
		eq("not valid check", nv.Create, "ALTER TABLE s1.t1\n    ADD CONSTRAINT t1_amount_small CHECK ((amount < (1000000)::numeric)) NOT VALID;\n")

		att := find(t, c, "TABLE ATTACH", "p1")
		eq("attach", att.Create, "ALTER TABLE ONLY s1.p ATTACH PARTITION s1.p1 FOR VALUES FROM (1) TO (10);\n")
		hasDep(att, find(t, c, "TABLE", "p"))
		hasDep(att, find(t, c, "TABLE", "p1"))
		if p := find(t, c, "TABLE", "p"); !strings.Contains(p.Create, "\nPARTITION BY RANGE (k);\n") || p.TableAM != "" {
			t.Errorf("partitioned table: tableam %q\n%s", p.TableAM, p.Create)
		}
		ia := find(t, c, "INDEX ATTACH", "p1_v_idx")
		eq("index attach", ia.Create, "ALTER INDEX s1.p_v_idx ATTACH PARTITION s1.p1_v_idx;\n")
		eq("pkey attach", find(t, c, "INDEX ATTACH", "p1_pkey").Create, "ALTER INDEX s1.p_pkey ATTACH PARTITION s1.p1_pkey;\n")
		idx := find(t, c, "INDEX", "ix_hash")
		if idx.Tablespace == nil || *idx.Tablespace != "" || idx.Section != SectionPostData {
			t.Errorf("INDEX fields: %+v", idx)
		}
		eq("index", idx.Create, "CREATE INDEX ix_hash ON s1.ix USING hash (b);\n")
		eq("index drop", idx.Drop, "DROP INDEX s1.ix_hash;\n")
		eq("index stats", find(t, c, "INDEX", "ix_stats").Create,
			"CREATE INDEX ix_stats ON s1.ix USING btree (((a + c)));\nALTER INDEX s1.ix_stats ALTER COLUMN 1 SET STATISTICS 200;\n")
		if !strings.Contains(find(t, c, "CONSTRAINT", "ix ix_a_uniq").Create, "ALTER TABLE s1.ix CLUSTER ON ix_a_uniq;\n") {
			t.Errorf("CLUSTER ON missing")
		}

		// Every INDEX defn starts with the server's own deparse (plain indexes
		// are spelled by the package, the rest by pg_get_indexdef).
		nIdx := 0
		for _, e := range c.Entries {
			if e.Desc != "INDEX" {
				continue
			}
			nIdx++
			want := src.QueryString(t, "SELECT pg_catalog.pg_get_indexdef($1::oid)", e.OID) + ";\n"
			if !strings.HasPrefix(e.Create, want) {
				t.Errorf("INDEX %q:\n got %q\nwant %q", e.Tag, e.Create, want)
			}
		}
		if nIdx < 10 {
			t.Errorf("only %d INDEX entries", nIdx)
		}
		cm := find(t, c, "COMMENT", "TABLE t1")
		if cm.Section != SectionNone || len(cm.Deps) != 1 || cm.Deps[0] != t1.ID || pos[cm] != pos[t1]+1 || cm.Drop != "" {
			t.Errorf("COMMENT TABLE t1 must follow its table: %+v", cm)
		}
		eq("comment", cm.Create, "COMMENT ON TABLE s1.t1 IS 'table one';\n")
		eq("hostile comment", find(t, c, "COMMENT", `TABLE "from"`).Create, "COMMENT ON TABLE \"select\".\"from\" IS 'multi\nline ''comment''';\n")
		acl := find(t, c, "ACL", "TABLE t")
		for _, want := range []string{"GRANT SELECT,INSERT ON TABLE owned.t TO \"Catalog R2\";\n",
			"REVOKE ALL ON TABLE owned.t FROM catalog_r1;\n", "GRANT SELECT ON TABLE owned.t TO catalog_r1;\n"} {
			if !strings.Contains(acl.Create, want) {
				t.Errorf("ACL lacks %q:\n%s", want, acl.Create)
			}
		}
		eq("column acl", find(t, c, "ACL", "COLUMN t.a").Create, "GRANT UPDATE(a) ON TABLE owned.t TO \"Catalog R2\" WITH GRANT OPTION;\n")
		eq("default acl", find(t, c, "DEFAULT ACL", "DEFAULT PRIVILEGES FOR FUNCTIONS").Create,
			"ALTER DEFAULT PRIVILEGES FOR ROLE catalog_r1 REVOKE ALL ON FUNCTIONS FROM PUBLIC;\n")

		hostile := find(t, c, "TABLE", "from")
		if !strings.HasPrefix(hostile.Create, "CREATE TABLE \"select\".\"from\" (\n    \"where\" integer NOT NULL,\n    \"Ünï ç\" text,\n    \"a.b\" text,\n    \"x\"\"y\" integer\n);\n") {
			t.Errorf("hostile table:\n%s", hostile.Create)
		}
		find(t, c, "INDEX", `idx "quoted"`)
		find(t, c, "SCHEMA", "line\nbreak")
		eq("schema", find(t, c, "SCHEMA", "we\"ird.name").Create, "CREATE SCHEMA \"we\"\"ird.name\";\n")
		eq("user table", find(t, c, "TABLE", "user").Create, "CREATE TABLE \"select\".\"user\" (\n    id integer,\n    \"group\" text,\n    \"order\" integer DEFAULT 1\n);\n")

		v2 := find(t, c, "VIEW", "v2")
		if !strings.HasPrefix(v2.Create, "CREATE VIEW s1.v2 WITH (security_barrier='true') AS\n") ||
			!strings.HasSuffix(v2.Create, "\n  WITH CASCADED CHECK OPTION;\n") || v2.Tablespace != nil || v2.TableAM != "" || v2.RelKind != 'v' {
			t.Errorf("VIEW v2: %+v", v2)
		}
		mv := find(t, c, "MATERIALIZED VIEW", "mv")
		if !strings.HasSuffix(mv.Create, "\n  WITH NO DATA;\n") || mv.TableAM != "heap" || mv.Tablespace == nil {
			t.Errorf("MATERIALIZED VIEW: %+v", mv)
		}
		mvd := find(t, c, "MATERIALIZED VIEW DATA", "mv")
		eq("refresh", mvd.Create, "REFRESH MATERIALIZED VIEW s1.mv;\n")
		hasDep(mvd, mv)
		hasDep(find(t, c, "MATERIALIZED VIEW DATA", "mv2"), mvd)
		for _, e := range c.Entries {
			if e.Desc == "MATERIALIZED VIEW DATA" && e.Tag == "mv_empty" {
				t.Errorf("unpopulated matview has a REFRESH entry")
			}
		}
		loop := find(t, c, "RULE", "loop_v _RETURN")
		if !strings.HasPrefix(loop.Create, "CREATE OR REPLACE VIEW s1.loop_v AS\n") || loop.Section != SectionPostData {
			t.Errorf("view loop rule: %+v", loop)
		}
		eq("dummy view", find(t, c, "VIEW", "loop_v").Create, "CREATE VIEW s1.loop_v AS\nSELECT\n    NULL::integer AS a,\n    NULL::text AS b;\n")

		eq("enum", find(t, c, "TYPE", "mood").Create, "CREATE TYPE s1.mood AS ENUM (\n    'sad',\n    'ok',\n    'it''s \"happy\"'\n);\n")
		eq("composite", find(t, c, "TYPE", "pair").Create, "CREATE TYPE s1.pair AS (\n\ta integer,\n\tb text COLLATE pg_catalog.\"C\"\n);\n")
		dom := find(t, c, "DOMAIN", "posint")
		eq("domain", dom.Create, "CREATE DOMAIN s1.posint AS integer NOT NULL DEFAULT 1\n\tCONSTRAINT posint_check CHECK ((VALUE > 0))\n\tCONSTRAINT posint_check1 CHECK ((VALUE < 1000000));\n")
		eq("domain drop", dom.Drop, "DROP DOMAIN s1.posint;\n")
		if !strings.HasPrefix(find(t, c, "TYPE", "floatrange").Create, "CREATE TYPE s1.floatrange AS RANGE (\n    subtype = double precision") {
			t.Errorf("range type")
		}
		fn := find(t, c, "FUNCTION", "add(integer, integer)")
		eq("function drop", fn.Drop, "DROP FUNCTION s1.add(a integer, b integer);\n")
		if !strings.HasPrefix(fn.Create, "CREATE FUNCTION s1.add(a integer, b integer DEFAULT 1)") || fn.CatalogOID != 1255 {
			t.Errorf("function: %+v", fn)
		}
		find(t, c, "PROCEDURE", "proc(integer)")
		agg := find(t, c, "AGGREGATE", "mysum(integer)")
		eq("aggregate", agg.Create, "CREATE AGGREGATE s1.mysum(integer) (\n    SFUNC = int4pl,\n    STYPE = integer,\n    INITCOND = '0'\n);\n")
		trg := find(t, c, "TRIGGER", "t1 t1_stmt")
		if !strings.Contains(trg.Create, "\nALTER TABLE s1.t1 DISABLE TRIGGER t1_stmt;\n") || trg.Drop != "DROP TRIGGER t1_stmt ON s1.t1;\n" {
			t.Errorf("trigger: %+v", trg)
		}
		find(t, c, "RULE", "ruled Notify Rule")
		pol := find(t, c, "POLICY", "secure Sel Pol")
		eq("policy", pol.Create, "CREATE POLICY \"Sel Pol\" ON s1.secure FOR SELECT TO \"Catalog R2\", catalog_r1 USING (true);\n")
		eq("row security", find(t, c, "ROW SECURITY", "secure").Create, "ALTER TABLE s1.secure ENABLE ROW LEVEL SECURITY;\n")
		if !strings.Contains(find(t, c, "TABLE", "secure").Create, "ALTER TABLE ONLY s1.secure FORCE ROW LEVEL SECURITY;\n") {
			t.Errorf("FORCE ROW LEVEL SECURITY missing")
		}
		ext := find(t, c, "EXTENSION", "citext")
		eq("extension", ext.Create, "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA s1;\n")
		for _, e := range c.Entries {
			if e.Namespace == "s1" && (e.Desc == "FUNCTION" || e.Desc == "TYPE") && strings.HasPrefix(e.Tag, "citext") {
				t.Errorf("extension member dumped: %s %s", e.Desc, e.Tag)
			}
		}
		blob := find(t, c, "BLOB", "424242")
		eq("blob", blob.Create, "SELECT pg_catalog.lo_create('424242');\n")
		if blobs := find(t, c, "BLOBS", "BLOBS"); len(blobs.Blobs) != 2 || blobs.Blobs[0] != 2121 || blobs.Blobs[1] != 424242 || blobs.Section != SectionData {
			t.Errorf("BLOBS: %+v", blobs)
		}
		find(t, c, "COMMENT", "SCHEMA public")
		for _, e := range c.Entries {
			if e.Desc == "SCHEMA" && e.Tag == "public" && !strings.HasPrefix(e.Create, "--") {
				t.Errorf("public schema must not be created: %q", e.Create)
			}
		}
		if s.Major >= 15 {
			if !strings.Contains(find(t, c, "CONSTRAINT", "nnd nnd_b").Create, "UNIQUE NULLS NOT DISTINCT (b)") {
				t.Errorf("NULLS NOT DISTINCT lost")
			}
			if !strings.Contains(find(t, c, "VIEW", "v_invoker").Create, "WITH (security_invoker='true')") {
				t.Errorf("security_invoker lost")
			}
		}
		if s.Major >= 14 {
			if !strings.Contains(find(t, c, "TABLE", "compressed").Create, "ALTER TABLE ONLY s1.compressed ALTER COLUMN a SET COMPRESSION pglz;\n") {
				t.Errorf("compression lost")
			}
		}
	})
}

func uintStr(v uint32) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + itoa(uint64(v)))
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	return string(b)
}
