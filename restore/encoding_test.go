package restore

import (
	"testing"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

// TestRunEncodingAndInserts: an archive in LATIN1 without a SEARCHPATH entry
// (search_path set per entry), one table loaded by COPY, one by INSERTs.
func TestRunEncodingAndInserts(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		m := newMem()
		m.add(format.Entry{Tag: "ENCODING", Desc: "ENCODING", Section: format.SectionPreData, Defn: "SET client_encoding = 'LATIN1';\n"})
		m.add(format.Entry{Tag: "STDSTRINGS", Desc: "STDSTRINGS", Section: format.SectionPreData, Defn: "SET standard_conforming_strings = 'off';\n"})
		sch := m.add(format.Entry{Tag: "s2", Desc: "SCHEMA", Section: format.SectionPreData, Defn: "CREATE SCHEMA s2;\n", DropStmt: "DROP SCHEMA s2;\n"})
		// Unqualified names: they resolve through the per-entry search_path.
		t1 := m.add(format.Entry{Tag: "t1", Desc: "TABLE", Namespace: "s2", Section: format.SectionPreData, Deps: []int{sch.DumpID},
			Defn: "CREATE TABLE t1 (v text);\n", DropStmt: "DROP TABLE s2.t1;\n"})
		t2 := m.add(format.Entry{Tag: "t2", Desc: "TABLE", Namespace: "s2", Section: format.SectionPreData, Deps: []int{sch.DumpID},
			Defn: "CREATE TABLE t2 (v text);\n", DropStmt: "DROP TABLE s2.t2;\n"})
		m.add(format.Entry{Tag: "TABLE t1", Desc: "COMMENT", Namespace: "s2", Section: format.SectionNone, Deps: []int{t1.DumpID},
			Defn: "COMMENT ON TABLE t1 IS 'caf\xe9 \\\\ back';\n"})
		d1 := m.add(format.Entry{Tag: "t1", Desc: "TABLE DATA", Namespace: "s2", Section: format.SectionData, HadDumper: true,
			Deps: []int{t1.DumpID}, CopyStmt: "COPY t1 (v) FROM stdin;\n"})
		m.data[d1.DumpID] = "caf\xe9\n\\N\n\\.\n\n\n"
		d2 := m.add(format.Entry{Tag: "t2", Desc: "TABLE DATA", Namespace: "s2", Section: format.SectionData, HadDumper: true,
			Deps: []int{t2.DumpID}})
		m.data[d2.DumpID] = "INSERT INTO t2 VALUES ('na\xefve');\nINSERT INTO t2 VALUES (NULL);\n"
		for _, jobs := range []int{1, 2} {
			db := s.NewDB(t)
			if sum, err := Run(testCtx(t), db.Config(t), m, Options{Jobs: jobs}); err != nil {
				t.Fatalf("j%d: %v %v", jobs, err, sum.Errors)
			}
			checks := []struct{ sql, want string }{
				{"SELECT string_agg(coalesce(v, 'NULL'), ',' ORDER BY v) FROM s2.t1", "café,NULL"},
				{"SELECT string_agg(coalesce(v, 'NULL'), ',' ORDER BY v) FROM s2.t2", "naïve,NULL"},
				{"SELECT obj_description('s2.t1'::regclass, 'pg_class')", `café \ back`},
			}
			for _, c := range checks {
				if got := db.QueryString(t, c.sql); got != c.want {
					t.Errorf("j%d: %s: got %q, want %q", jobs, c.sql, got, c.want)
				}
			}
		}
	})
}
