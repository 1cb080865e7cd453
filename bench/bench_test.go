package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestFingerprintDiff(t *testing.T) {
	want := fingerprint{"rows of public.a": 10, "rows of public.b": 5, "indexes": 2}
	if d := want.diff(fingerprint{"rows of public.a": 10, "rows of public.b": 5, "indexes": 2}); d != "" {
		t.Errorf("equal fingerprints differ: %s", d)
	}
	d := want.diff(fingerprint{"rows of public.a": 9, "indexes": 2, "rows of public.c": 1})
	for _, s := range []string{"rows of public.a: 9, want 10", "rows of public.b: missing", "rows of public.c: unexpected"} {
		if !strings.Contains(d, s) {
			t.Errorf("diff %q lacks %q", d, s)
		}
	}
	if n := want.totalRows(); n != 15 {
		t.Errorf("totalRows = %d, want 15", n)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSplitSQL(t *testing.T) {
	in := `--
-- PostgreSQL database dump
--
\restrict abc
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

ALTER TABLE ONLY public.a
    ADD CONSTRAINT a_pkey PRIMARY KEY (id);

CREATE INDEX a_k ON public.a USING btree (k);

ALTER TABLE ONLY public.b
    ADD CONSTRAINT b_a_fkey FOREIGN KEY (a_id) REFERENCES public.a(id);

\unrestrict abc
`
	setup, stmts := splitSQL(in)
	if len(setup) != 2 || !strings.HasPrefix(setup[0], "SET statement_timeout") {
		t.Errorf("setup = %q", setup)
	}
	if len(stmts) != 3 || !strings.Contains(stmts[0], "PRIMARY KEY") || !strings.HasPrefix(stmts[1], "CREATE INDEX") ||
		!strings.Contains(stmts[2], "FOREIGN KEY") {
		t.Errorf("statements = %q", stmts)
	}
}

func TestChunkCopyTo(t *testing.T) {
	if got := (chunk{Table: `public."T"`}).copyTo(); got != `COPY public."T" TO STDOUT` {
		t.Errorf("whole table: %s", got)
	}
	got := (chunk{Table: "public.t", Where: "ctid >= '(0,0)' AND ctid < '(5,0)'"}).copyTo()
	if got != "COPY (SELECT * FROM public.t WHERE ctid >= '(0,0)' AND ctid < '(5,0)') TO STDOUT" {
		t.Errorf("range: %s", got)
	}
}

func TestFinishRatios(t *testing.T) {
	d := &datasetReport{CopyBytes: 100e6, Results: []*result{
		{Name: "anchor", Group: "dump", Runs: []run{{Seconds: 4}, {Seconds: 2}, {Seconds: 3}}},
		{Name: "new", Group: "dump", Anchor: "anchor", Runs: []run{{Seconds: 1.5, RSSKB: 10}, {Seconds: 1.5, RSSKB: 30}}},
		{Name: "ceiling", Group: "dump", Ceiling: true, Runs: []run{{Seconds: 1}}},
		{Name: "broken", Group: "dump", Anchor: "anchor", Error: "boom", Runs: []run{{Seconds: 1}}},
		{Name: "slow ceiling", Group: "dump", Ceiling: true, Runs: []run{{Seconds: 5}}},
	}}
	d.finish()
	a, n, c, b := d.Results[0], d.Results[1], d.Results[2], d.Results[3]
	if a.MedianSeconds != 3 || a.MBps != 100.0/3 {
		t.Errorf("anchor: median %v, MB/s %v", a.MedianSeconds, a.MBps)
	}
	if n.VsAnchor != 0.5 || n.VsCeiling != 1.5 || n.PeakRSSKB != 30 {
		t.Errorf("new: vs anchor %v, vs ceiling %v, rss %v", n.VsAnchor, n.VsCeiling, n.PeakRSSKB)
	}
	if slow := d.Results[4]; slow.VsCeiling != 5 {
		t.Errorf("slower ceiling vs fastest: %v, want 5", slow.VsCeiling)
	}
	if c.VsCeiling != 0 || b.MedianSeconds != 0 || b.VsAnchor != 0 {
		t.Errorf("ceiling vs itself %v; failed contender median %v ratio %v", c.VsCeiling, b.MedianSeconds, b.VsAnchor)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-quick"})
	if err != nil {
		t.Fatal(err)
	}
	if o.sz.scale != 5 || o.rounds != 1 || o.sz.manyTables != 100 {
		t.Errorf("quick defaults: %+v rounds %d", o.sz, o.rounds)
	}
	o, err = parseFlags([]string{"-scale", "7"})
	if err != nil {
		t.Fatal(err)
	}
	if o.sz.scale != 7 || o.rounds != 3 || o.sz.manyTables != 1000 {
		t.Errorf("full defaults: %+v rounds %d", o.sz, o.rounds)
	}
	if _, err := parseFlags([]string{"-jobs", "0"}); err == nil {
		t.Error("-jobs 0 accepted")
	}
	if o, err := parseFlags([]string{"-extra-jobs", "1,4"}); err != nil || len(o.extraJ) != 2 {
		t.Errorf("-extra-jobs 1,4: %v, %v", err, o)
	}
	if _, err := parseFlags([]string{"-extra-jobs", "2"}); err == nil {
		t.Error("-extra-jobs equal to -jobs accepted")
	}
	if _, err := parseFlags([]string{"-only", "("}); err == nil {
		t.Error("bad -only regexp accepted")
	}
}

// TestClusterFingerprint starts the benchmark's cluster and checks that a restore
// missing rows or an index is caught.
func TestClusterFingerprint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	ctx := t.Context()
	c, err := startCluster(ctx, "/usr/lib/postgresql/15/bin")
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	mk := func(db, sql string) fingerprint {
		t.Helper()
		if err := c.recreateDB(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := c.exec(ctx, db, sql); err != nil {
			t.Fatal(err)
		}
		fp, err := takeFingerprint(ctx, c, db)
		if err != nil {
			t.Fatal(err)
		}
		return fp
	}
	const table = "CREATE TABLE t (id int PRIMARY KEY, k int); INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;"
	want := mk("a", table+"CREATE INDEX ON t (k);")
	if want["rows of public.t"] != 100 || want["indexes"] != 2 || want["constraints"] != 1 {
		t.Fatalf("fingerprint %v", want)
	}
	if d := want.diff(mk("b", table+"CREATE INDEX ON t (k); DELETE FROM t WHERE id = 7;")); !strings.Contains(d, "rows of public.t: 99") {
		t.Errorf("missing row not caught: %q", d)
	}
	if d := want.diff(mk("c", table)); !strings.Contains(d, "indexes: 1, want 2") {
		t.Errorf("missing index not caught: %q", d)
	}
}

func TestFinishPhases(t *testing.T) {
	d := &datasetReport{CopyBytes: 1, Results: []*result{
		{Name: "r", Group: "restore", Runs: []run{
			{Seconds: 10, PreSeconds: 1, DataSeconds: 6, PostSeconds: 3},
			{Seconds: 12, PreSeconds: 2, DataSeconds: 7, PostSeconds: 3},
			{Seconds: 11, PreSeconds: 3, DataSeconds: 5, PostSeconds: 3}}},
		{Name: "no copy seen", Group: "restore", Runs: []run{{Seconds: 1}}},
	}}
	d.finish()
	if p := d.Results[0].Phases; len(p) != 3 || p[0] != 2 || p[1] != 6 || p[2] != 3 {
		t.Errorf("phases = %v, want [2 6 3]", p)
	}
	if p := d.Results[1].Phases; p != nil {
		t.Errorf("phases without samples = %v", p)
	}
}

func TestWholeTables(t *testing.T) {
	got := wholeTables([]chunk{{Table: "a", Where: "w1", Files: []string{"0"}}, {Table: "a", Where: "w2", Files: []string{"1"}},
		{Table: "b", Files: []string{"2"}}, {Table: "c", Where: "w", Files: []string{"3"}}})
	want := []chunk{{Table: "a", Files: []string{"0", "1"}}, {Table: "b", Files: []string{"2"}}, {Table: "c", Files: []string{"3"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wholeTables = %+v, want %+v", got, want)
	}
}

func TestWriteMarkdown(t *testing.T) {
	r := &report{Date: "today", Settings: map[string]string{"fsync": "off", "wal_level": "minimal"}, Datasets: []*datasetReport{
		{Name: "ds", CopyBytes: 10e6, Results: []*result{
			{Name: "a", Group: "dump", Runs: []run{{Seconds: 2, RSSKB: 2048, Bytes: 5e6}}},
			{Name: "b", Group: "dump", Anchor: "a", Runs: []run{{Seconds: 1}}},
			{Name: "c", Group: "restore", Error: "x | y"},
		}},
		{Name: "broken", Error: "build failed"},
	}}
	for _, d := range r.Datasets {
		d.finish()
	}
	var b strings.Builder
	r.writeMarkdown(&b)
	md := b.String()
	for _, s := range []string{"fsync=off wal_level=minimal", "### ds", "| dump a | 2.00 | 5 | 5.0 | 0.00 | 2 |",
		"| dump b | 1.00 | 10 |  | 0.00 | 0 | 0.50 | a |", "**FAILED**: x / y", "**dataset failed**: build failed"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
}

func TestContenderNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	outputs := map[string]bool{}
	cs := contenders(2, []int{1, 4})
	for _, k := range cs {
		if seen[k.name] {
			t.Errorf("duplicate contender %q", k.name)
		}
		seen[k.name] = true
		if k.output != "" {
			if outputs[k.output] {
				t.Errorf("duplicate archive %q", k.output)
			}
			outputs[k.output] = true
		}
	}
	for _, k := range cs {
		for _, dep := range []string{k.anchor, k.input} {
			if dep != "" && !seen[dep] {
				t.Errorf("%q refers to unknown contender %q", k.name, dep)
			}
		}
	}
}
