package restore

import (
	"testing"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

// loArchive builds archive-1.16-style large objects (pg_dump 17/18): a BLOB
// METADATA group, its BLOBS data, a group ACL and a comment on one object.
func loArchive() *memArchive {
	m := newMem()
	m.toc.Header.Version = format.Version1_16
	m.add(format.Entry{Tag: "ENCODING", Desc: "ENCODING", Section: format.SectionPreData, Defn: "SET client_encoding = 'UTF8';\n"})
	m.add(format.Entry{Tag: "STDSTRINGS", Desc: "STDSTRINGS", Section: format.SectionPreData, Defn: "SET standard_conforming_strings = 'on';\n"})
	m.add(format.Entry{Tag: "SEARCHPATH", Desc: "SEARCHPATH", Section: format.SectionPreData, Defn: "SELECT pg_catalog.set_config('search_path', '', false);\n"})
	meta := m.add(format.Entry{Tag: "515151..515153", Desc: "BLOB METADATA", Section: format.SectionData, Owner: ownerRole,
		TableOID: 2613, OID: 515151, Defn: "515151\n515152\n515153\n", DropStmt: "-- dummy"})
	blobs := m.add(format.Entry{Tag: "515151..515153", Desc: "BLOBS", Section: format.SectionData, Owner: ownerRole,
		HadDumper: true, Deps: []int{meta.DumpID}})
	m.blobs[blobs.DumpID] = []memBlob{{515151, "first"}, {515152, ""}, {515153, string(make([]byte, 3<<20))}}
	m.add(format.Entry{Tag: "LARGE OBJECT 515152", Desc: "COMMENT", Section: format.SectionNone, Owner: ownerRole,
		Deps: []int{meta.DumpID}, Defn: "COMMENT ON LARGE OBJECT 515152 IS 'the empty one';\n"})
	m.add(format.Entry{Tag: "LARGE OBJECTS 515151..515153", Desc: "ACL", Section: format.SectionNone, Owner: ownerRole,
		Deps: []int{meta.DumpID}, Defn: "GRANT SELECT ON LARGE OBJECT 515151 TO " + readerRole + ";\n"})
	return m
}

func TestRunLargeObjects(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		ctx := testCtx(t)
		db := s.NewDB(t)
		db.Exec(t, rolesSQL)
		check := func() {
			t.Helper()
			checks := []struct{ sql, want string }{
				{"SELECT count(*) FROM pg_largeobject_metadata WHERE oid BETWEEN 515151 AND 515153", "3"},
				{"SELECT convert_from(lo_get(515151), 'UTF8')", "first"},
				{"SELECT length(lo_get(515152))", "0"},
				{"SELECT length(lo_get(515153))", "3145728"},
				{"SELECT count(*) FROM pg_largeobject_metadata WHERE oid BETWEEN 515151 AND 515153 AND lomowner = '" + ownerRole + "'::regrole", "3"},
				{"SELECT count(*) FROM pg_largeobject_metadata WHERE oid BETWEEN 515151 AND 515153 AND lomacl::text LIKE '%" + readerRole + "=r/%'", "3"},
				{"SELECT obj_description(515152, 'pg_largeobject')", "the empty one"},
			}
			for _, c := range checks {
				if got := db.QueryString(t, c.sql); got != c.want {
					t.Errorf("%s: got %q, want %q", c.sql, got, c.want)
				}
			}
		}
		for _, o := range []Options{{Jobs: 2}, {Jobs: 2, Clean: true}, {Jobs: 1, Clean: true, IfExists: true, SingleTransaction: true}} {
			sum, err := Run(ctx, db.Config(t), loArchive(), o)
			if err != nil {
				t.Fatalf("%+v: %v %v", o, err, sum.Errors)
			}
			check()
		}
	})
}
