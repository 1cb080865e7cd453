package restore

import (
	"fmt"
	"strings"

	"github.com/pgstow/pgstow/format"
)

const (
	ownerRole  = "pgstow_restore_owner"
	readerRole = "pgstow_restore_reader"
	rolesSQL   = `DO $$ BEGIN CREATE ROLE pgstow_restore_owner NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE pgstow_restore_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;`
)

func rowsText(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(f(i))
		b.WriteByte('\n')
	}
	return b.String()
}

func str(s string) *string { return &s }

// sampleArchive builds a pg_dump-like TOC: schema s1 with three tables (one
// stored as chunks), a sequence, constraints, an index, a foreign key, a
// comment, a grant and a materialized view.
func sampleArchive(chunked bool) *memArchive {
	m := newMem()
	m.add(format.Entry{Tag: "ENCODING", Desc: "ENCODING", Section: format.SectionPreData, Defn: "SET client_encoding = 'UTF8';\n"})
	m.add(format.Entry{Tag: "STDSTRINGS", Desc: "STDSTRINGS", Section: format.SectionPreData, Defn: "SET standard_conforming_strings = 'on';\n"})
	m.add(format.Entry{Tag: "SEARCHPATH", Desc: "SEARCHPATH", Section: format.SectionPreData, Defn: "SELECT pg_catalog.set_config('search_path', '', false);\n"})
	schema := m.add(format.Entry{Tag: "s1", Desc: "SCHEMA", Section: format.SectionPreData, Owner: ownerRole,
		Defn: "CREATE SCHEMA s1;\n", DropStmt: "DROP SCHEMA s1;\n"})
	table := func(name, cols string) *format.Entry {
		return m.add(format.Entry{Tag: name, Desc: "TABLE", Section: format.SectionPreData, Namespace: "s1", Owner: ownerRole,
			Tablespace: str(""), TableAM: "heap", Deps: []int{schema.DumpID},
			Defn: fmt.Sprintf("CREATE TABLE s1.%s (\n%s\n);\n", name, cols), DropStmt: fmt.Sprintf("DROP TABLE s1.%s;\n", name)})
	}
	big := table("big", "    id integer NOT NULL,\n    v text")
	small := table("small", "    id integer NOT NULL,\n    big_id integer")
	chunky := table("chunky", "    id bigint NOT NULL,\n    \"Odd col\" text")
	m.add(format.Entry{Tag: "TABLE big", Desc: "COMMENT", Section: format.SectionNone, Namespace: "s1", Owner: ownerRole,
		Defn: "COMMENT ON TABLE s1.big IS 'the big one';\n", Deps: []int{big.DumpID}})
	seq := m.add(format.Entry{Tag: "seq", Desc: "SEQUENCE", Section: format.SectionPreData, Namespace: "s1", Owner: ownerRole,
		Deps: []int{schema.DumpID}, Defn: "CREATE SEQUENCE s1.seq\n    START WITH 1\n    INCREMENT BY 1;\n", DropStmt: "DROP SEQUENCE s1.seq;\n"})
	mv := m.add(format.Entry{Tag: "mv", Desc: "MATERIALIZED VIEW", Section: format.SectionPreData, Namespace: "s1", Owner: ownerRole,
		Tablespace: str(""), TableAM: "heap", Deps: []int{big.DumpID},
		Defn: "CREATE MATERIALIZED VIEW s1.mv AS\n SELECT count(*) AS n FROM s1.big\n  WITH NO DATA;\n", DropStmt: "DROP MATERIALIZED VIEW s1.mv;\n"})

	bigData := m.add(format.Entry{Tag: "big", Desc: "TABLE DATA", Section: format.SectionData, Namespace: "s1", Owner: ownerRole,
		HadDumper: true, Deps: []int{big.DumpID}, CopyStmt: "COPY s1.big (id, v) FROM stdin;\n"})
	m.data[bigData.DumpID] = rowsText(5000, func(i int) string { return fmt.Sprintf("%d\tvalue %d", i, i%97) }) + "\\.\n\n\n"
	smallData := m.add(format.Entry{Tag: "small", Desc: "TABLE DATA", Section: format.SectionData, Namespace: "s1", Owner: ownerRole,
		HadDumper: true, Deps: []int{small.DumpID}, CopyStmt: "COPY s1.small (id, big_id) FROM stdin;\n"})
	m.data[smallData.DumpID] = rowsText(300, func(i int) string {
		if i%10 == 0 {
			return fmt.Sprintf("%d\t\\N", i)
		}
		return fmt.Sprintf("%d\t%d", i, i*7)
	}) + "\\.\n\n\n"
	chunkyData := m.add(format.Entry{Tag: "chunky", Desc: "TABLE DATA", Section: format.SectionData, Namespace: "s1", Owner: ownerRole,
		HadDumper: true, Deps: []int{chunky.DumpID}, CopyStmt: "COPY s1.chunky (id, \"Odd col\") FROM stdin;\n"})
	all := rowsText(3000, func(i int) string { return fmt.Sprintf("%d\tline\\twith tab %d", i, i) })
	if chunked {
		lines := strings.SplitAfter(all, "\n")
		m.chunks[chunkyData.DumpID] = []string{strings.Join(lines[:1000], ""), strings.Join(lines[1000:2000], ""), strings.Join(lines[2000:], "")}
	} else {
		m.data[chunkyData.DumpID] = all + "\\.\n\n\n"
	}
	m.add(format.Entry{Tag: "seq", Desc: "SEQUENCE SET", Section: format.SectionData, Namespace: "s1", Owner: ownerRole,
		Deps: []int{seq.DumpID}, Defn: "SELECT pg_catalog.setval('s1.seq', 42, true);\n"})

	bigPK := m.add(format.Entry{Tag: "big big_pkey", Desc: "CONSTRAINT", Section: format.SectionPostData, Namespace: "s1", Owner: ownerRole,
		Tablespace: str(""), Deps: []int{big.DumpID},
		Defn: "ALTER TABLE ONLY s1.big\n    ADD CONSTRAINT big_pkey PRIMARY KEY (id);\n", DropStmt: "ALTER TABLE ONLY s1.big DROP CONSTRAINT big_pkey;\n"})
	m.add(format.Entry{Tag: "small small_pkey", Desc: "CONSTRAINT", Section: format.SectionPostData, Namespace: "s1", Owner: ownerRole,
		Tablespace: str(""), Deps: []int{small.DumpID},
		Defn: "ALTER TABLE ONLY s1.small\n    ADD CONSTRAINT small_pkey PRIMARY KEY (id);\n", DropStmt: "ALTER TABLE ONLY s1.small DROP CONSTRAINT small_pkey;\n"})
	m.add(format.Entry{Tag: "chunky chunky_pkey", Desc: "CONSTRAINT", Section: format.SectionPostData, Namespace: "s1", Owner: ownerRole,
		Tablespace: str(""), Deps: []int{chunky.DumpID},
		Defn: "ALTER TABLE ONLY s1.chunky\n    ADD CONSTRAINT chunky_pkey PRIMARY KEY (id);\n", DropStmt: "ALTER TABLE ONLY s1.chunky DROP CONSTRAINT chunky_pkey;\n"})
	m.add(format.Entry{Tag: "big_v_idx", Desc: "INDEX", Section: format.SectionPostData, Namespace: "s1", Owner: ownerRole,
		Tablespace: str(""), Deps: []int{big.DumpID},
		Defn: "CREATE INDEX big_v_idx ON s1.big USING btree (v);\n", DropStmt: "DROP INDEX s1.big_v_idx;\n"})
	m.add(format.Entry{Tag: "small_big_idx", Desc: "INDEX", Section: format.SectionPostData, Namespace: "s1", Owner: ownerRole,
		Tablespace: str(""), Deps: []int{small.DumpID},
		Defn: "CREATE INDEX small_big_idx ON s1.small USING btree (big_id);\n", DropStmt: "DROP INDEX s1.small_big_idx;\n"})
	m.add(format.Entry{Tag: "small small_big_id_fkey", Desc: "FK CONSTRAINT", Section: format.SectionPostData, Namespace: "s1", Owner: ownerRole,
		Deps:     []int{small.DumpID, bigPK.DumpID},
		Defn:     "ALTER TABLE ONLY s1.small\n    ADD CONSTRAINT small_big_id_fkey FOREIGN KEY (big_id) REFERENCES s1.big(id);\n",
		DropStmt: "ALTER TABLE ONLY s1.small DROP CONSTRAINT small_big_id_fkey;\n"})
	m.add(format.Entry{Tag: "TABLE big", Desc: "ACL", Section: format.SectionNone, Namespace: "s1", Owner: ownerRole,
		Deps: []int{big.DumpID}, Defn: "GRANT SELECT ON TABLE s1.big TO " + readerRole + ";\n"})
	m.add(format.Entry{Tag: "mv", Desc: "MATERIALIZED VIEW DATA", Section: format.SectionPostData, Namespace: "s1", Owner: ownerRole,
		Deps: []int{mv.DumpID}, Defn: "REFRESH MATERIALIZED VIEW s1.mv;\n"})
	return m
}
