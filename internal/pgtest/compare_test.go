package pgtest

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// fixture creates a database holding testdata/compare_fixture.sql.
func fixture(t *testing.T, s *Server) *DB {
	t.Helper()
	db := s.NewDB(t)
	db.ExecFile(t, "testdata/compare_fixture.sql")
	return db
}

// clone copies src with CREATE DATABASE … TEMPLATE and drops the copy when the test ends.
func clone(t *testing.T, src *DB, suffix string) *DB {
	t.Helper()
	name := src.Name + "_" + suffix
	admin := &DB{Server: src.Server, Name: "postgres"}
	sql := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{src.Name}.Sanitize())
	var err error
	// A just-closed connection to src may still be exiting: the template must be idle.
	for range 50 {
		if err = admin.TryExec(sql); err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("clone %s: %v", src.Name, err)
	}
	t.Cleanup(func() { src.Server.DropDB(name) })
	return &DB{Server: src.Server, Name: name}
}

func mustCompare(t *testing.T, a, b *DB, o CompareOptions) []Diff {
	t.Helper()
	diffs, err := CompareWith(context.Background(), a, b, o)
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	return diffs
}

func TestCompareSameAndClone(t *testing.T) {
	ForEachVersion(t, func(t *testing.T, s *Server) {
		a := fixture(t, s)
		start := time.Now()
		if d := mustCompare(t, a, a, CompareOptions{}); len(d) != 0 {
			t.Fatalf("database vs itself: %d differences:\n%s", len(d), FormatDiffs(d, 50))
		}
		t.Logf("self comparison took %v", time.Since(start))
		b := clone(t, a, "clone")
		AssertSameDB(t, a, b)
		AssertSameSchema(t, a, b)
		AssertSameData(t, a, b)

		// The fingerprint must actually cover the fixture, not compare two empty lists.
		fp, err := Fingerprint(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(fp, "\n")
		for _, want := range []string{
			`schema "we""ird sch ema" acl: PUBLIC`, // never: PUBLIC has no grant on it
		} {
			if strings.Contains(joined, want) {
				t.Errorf("fingerprint has %q", want)
			}
		}
		for _, want := range []string{
			`schema "we""ird sch ema" acl: =owner:CREATE/=owner,=owner:USAGE/=owner,pgstow_cmp_reader:USAGE/=owner`,
			`schema "we""ird sch ema" comment: hostile name`,
			`table "we""ird sch ema"."Tab le" kind: r`,
			`column "we""ird sch ema"."Tab le"."na me" default: 'x''y'::text`,
			`column "we""ird sch ema"."Tab le".id identity: d`,
			`column "we""ird sch ema"."Tab le".tags collation: pg_catalog."C"`,
			`column public.child.v statistics: 500`,
			`column public.child.v acl: pgstow_cmp_reader:UPDATE/=owner`,
			`constraint public.child.child_parent_id_fkey definition: FOREIGN KEY (parent_id) REFERENCES public.parent(id) ON DELETE CASCADE`,
			`index public.child_v_idx definition: CREATE INDEX child_v_idx ON public.child USING btree (v) WHERE (v > (0)::double precision)`,
			`table public.meas_2021 partition bound: FOR VALUES FROM ('2021-01-01') TO ('2022-01-01')`,
			`table public.meas partition key: RANGE (t)`,
			`sequence public.s sequence: bigint start 100 increment 5`,
			`sequence public.parent_id_seq owned by: public.parent.id`,
			`type public.mood enum labels: 'sad','ok','happy'`,
			`constraint public.posint.posint_check definition: CHECK ((VALUE > 0))`,
			`function public.add1(i integer) acl: =owner:EXECUTE/=owner,pgstow_cmp_reader:EXECUTE/=owner`,
			`trigger public.child.child_touch definition: CREATE TRIGGER child_touch BEFORE INSERT ON public.child`,
			`rule public.v_child.v_child_ins definition: CREATE RULE v_child_ins AS`,
			`policy public.parent.parent_read roles: pgstow_cmp_reader`,
			`materialized view public.mv populated: true`,
			`view public.v_child definition:`,
			`publication table pgstow_cmp_pub public.parent member: true`,
			`large object 424242 comment: a large object`,
			`default privileges for postgres in schema public on r acl: pgstow_cmp_reader:SELECT/=owner`,
			`extension plpgsql version:`,
		} {
			if !strings.Contains(joined, want) {
				t.Errorf("fingerprint lacks %q", want)
			}
		}
		if strings.Contains(joined, "pg_attver") {
			t.Errorf("fingerprint has Debian's pg_attver stamp")
		}
		if t.Failed() {
			t.Logf("fingerprint:\n%s", joined)
		}

		// Likewise the data side must see every table, sequence and large object.
		var snap snapshot
		if err := snap.read(context.Background(), a, false, true); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{
			"table public.child":                         "4 rows, hash ",
			"table public.meas_2021":                     "2 rows, hash ",
			"table public.base":                          "1 rows, hash ",
			`table "we""ird sch ema"."Tab le"`:           "3 rows, hash ",
			"materialized view public.mv":                "1 rows, hash ",
			"sequence public.s":                          "last_value 100, is_called true",
			`sequence "we""ird sch ema"."Tab le_id_seq"`: "last_value 3, is_called true",
			"large object 424242":                        "21 bytes, md5 ",
		} {
			got := snap.data[k] + snap.seqs[k] + snap.lobs[k]
			if !strings.HasPrefix(got, want) {
				t.Errorf("%s = %q, want %q…", k, got, want)
			}
		}
		if v, ok := snap.data["table public.meas"]; ok {
			t.Errorf("partitioned table hashed itself (%q): its partitions are", v)
		}
	})
}

// TestCompareReportsChanges changes one thing on a clone per case and wants it
// reported with the right kind, and nothing of another kind.
func TestCompareReportsChanges(t *testing.T) {
	cases := []struct {
		name   string
		sql    string
		opts   CompareOptions
		kind   string // wanted kind; "" wants no difference at all
		object string // a wanted Diff's Object
		others []string
	}{
		{name: "row", sql: `UPDATE public.child SET v = 1.25 WHERE id = 1`,
			kind: KindData, object: "table public.child"},
		{name: "row_swap", sql: `UPDATE public.child SET v = CASE id WHEN 1 THEN -2.25 ELSE 1.5 END WHERE id IN (1, 2)`,
			kind: KindData, object: "table public.child"},
		{name: "row_deleted", sql: `DELETE FROM public.meas WHERE v = 3`,
			kind: KindData, object: "table public.meas_2021"},
		{name: "drop_index", sql: `DROP INDEX public.child_v_idx`,
			kind: KindSchema, object: "index public.child_v_idx", others: []string{KindPgDump}},
		{name: "column_default", sql: `ALTER TABLE "we""ird sch ema"."Tab le" ALTER COLUMN "na me" SET DEFAULT 'z'`,
			kind: KindSchema, object: `column "we""ird sch ema"."Tab le"."na me" default`, others: []string{KindPgDump}},
		{name: "grant", sql: `REVOKE SELECT ON public.child FROM pgstow_cmp_reader`,
			kind: KindSchema, object: "table public.child acl", others: []string{KindPgDump}},
		{name: "column_grant", sql: `REVOKE UPDATE (v) ON public.child FROM pgstow_cmp_reader`,
			kind: KindSchema, object: "column public.child.v acl", others: []string{KindPgDump}},
		{name: "function_grant", sql: `GRANT EXECUTE ON FUNCTION public.add1(integer) TO PUBLIC`,
			kind: KindSchema, object: "function public.add1(i integer) acl", others: []string{KindPgDump}},
		{name: "sequence_value", sql: `SELECT setval('public.s', 500)`,
			kind: KindSequence, object: "sequence public.s"},
		{name: "sequence_is_called", sql: `SELECT setval('public.s', 100, false)`,
			kind: KindSequence, object: "sequence public.s"},
		{name: "lob_content", sql: `SELECT lo_put(424242, 0, '\x4c'::bytea)`,
			kind: KindLOB, object: "large object 424242"},
		{name: "comment", sql: `COMMENT ON TABLE public.child IS 'kids'`,
			kind: KindSchema, object: "table public.child comment", others: []string{KindPgDump}},
		{name: "owner", sql: `ALTER TABLE public.parent OWNER TO pgstow_cmp_reader`,
			kind: KindSchema, object: "table public.parent owner", others: []string{KindPgDump}},
		{name: "owner_ignored", sql: `ALTER TABLE public.parent OWNER TO pgstow_cmp_reader`,
			opts: CompareOptions{IgnoreOwner: true}},
		{name: "statistics", sql: `ALTER TABLE public.child ALTER COLUMN v SET STATISTICS 100`,
			kind: KindSchema, object: "column public.child.v statistics", others: []string{KindPgDump}},
		{name: "view", sql: `CREATE OR REPLACE VIEW public.v_child AS
			SELECT c.id, p.name FROM public.child c JOIN public.parent p ON p.id = c.parent_id WHERE c.v > 1`,
			kind: KindSchema, object: "view public.v_child definition", others: []string{KindPgDump}},
		{name: "sequence_increment", sql: `ALTER SEQUENCE public.s INCREMENT 6`,
			kind: KindSchema, object: "sequence public.s sequence", others: []string{KindPgDump}},
		{name: "ignore_regexp", sql: `COMMENT ON TABLE public.child IS 'kids'`,
			opts: CompareOptions{Ignore: []*regexp.Regexp{regexp.MustCompile(`^table public\.child comment$|COMMENT ON TABLE public\.child`)}}},
	}
	ForEachVersion(t, func(t *testing.T, s *Server) {
		a := fixture(t, s)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := clone(t, a, tc.name)
				b.Exec(t, tc.sql)
				diffs := mustCompare(t, a, b, tc.opts)
				if tc.kind == "" {
					if len(diffs) != 0 {
						t.Fatalf("want no differences, got:\n%s", FormatDiffs(diffs, 50))
					}
					return
				}
				allowed := map[string]bool{tc.kind: true}
				for _, k := range tc.others {
					allowed[k] = true
				}
				found := false
				for _, d := range diffs {
					if !allowed[d.Kind] {
						t.Errorf("unexpected %s difference: %s", d.Kind, d)
					}
					if d.Kind == tc.kind && d.Object == tc.object {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s difference on %q; got:\n%s", tc.kind, tc.object, FormatDiffs(diffs, 50))
				}
				// The pg_dump text must see schema changes wherever it can run.
				if len(tc.others) > 0 && s.ClientCanDump() {
					seen := false
					for _, d := range diffs {
						seen = seen || d.Kind == KindPgDump
					}
					if !seen {
						t.Errorf("pg_dump text comparison missed it; got:\n%s", FormatDiffs(diffs, 50))
					}
				}
				if testing.Verbose() {
					t.Logf("reported:\n%s", FormatDiffs(diffs, 50))
				}
			})
		}
	})
}

// TestCompareCrossVersion compares the fixture built on the oldest selected major
// with the same fixture on every other selected major: what a restore into a newer
// server must reproduce.
func TestCompareCrossVersion(t *testing.T) {
	majors := Majors(t)
	if len(majors) < 2 {
		t.Skipf("needs two selected majors, have %v", majors)
	}
	old := fixture(t, Start(t, majors[0]))
	for _, m := range majors[1:] {
		t.Run(fmt.Sprintf("pg%d_pg%d", majors[0], m), func(t *testing.T) {
			o := CompareOptions{SkipPgDump: true}
			if majors[0] < 15 && m >= 15 {
				// Fresh databases, not a restore: each has its initdb's public schema.
				o.Ignore = []*regexp.Regexp{regexp.MustCompile(`^schema public (owner|acl)$`)}
			}
			AssertSameDBWith(t, old, fixture(t, Start(t, m)), o)
		})
	}
}

func TestLineDiff(t *testing.T) {
	a := strings.Split("a b c d e f", " ")
	b := strings.Split("a x c d f g", " ")
	got := fmt.Sprint(lineDiff(a, b))
	want := "[{1 [b] [x]} {4 [e] []} {6 [] [g]}]"
	if got != want {
		t.Fatalf("lineDiff = %s, want %s", got, want)
	}
	if h := lineDiff(a, a); h != nil {
		t.Fatalf("lineDiff(a, a) = %v", h)
	}
}

func TestFormatDiffsCaps(t *testing.T) {
	var diffs []Diff
	for i := range 80 {
		diffs = append(diffs, Diff{Kind: KindData, Object: fmt.Sprintf("table t%d", i), A: "1", B: Absent})
	}
	diffs = append(diffs, Diff{Kind: KindSchema, Object: "view v definition", A: "SELECT 1\nFROM a", B: "SELECT 1\nFROM b"})
	out := FormatDiffs(diffs, 50)
	if n := strings.Count(out, "\n") + 1; n > 51 {
		t.Fatalf("%d lines, want at most 51:\n%s", n, out)
	}
	if !strings.Contains(out, "… and 31 more differences") || !strings.Contains(out, `data: table t0: a="1" b=(absent)`) {
		t.Fatalf("unexpected report:\n%s", out)
	}
	if got := diffs[80].String(); got != "schema: view v definition:\n    - FROM a\n    + FROM b" {
		t.Fatalf("multi-line diff rendered as %q", got)
	}
}

// TestCompareAfterPgRestore checks the oracle against what it is for: a real dump
// and restore (stock pg_dump -Fc and pg_restore) must compare equal, on the same
// major and from the oldest selected major into every other one.
func TestCompareAfterPgRestore(t *testing.T) {
	majors := Majors(t)
	src := map[int]*DB{}
	archive := map[int]string{}
	for _, m := range majors {
		s := Start(t, m)
		if s.ClientCanDump() {
			src[m] = fixture(t, s)
			archive[m] = filepath.Join(t.TempDir(), fmt.Sprintf("pg%d.dump", m))
			s.RunClient(t, "pg_dump", "-Fc", "-f", archive[m], "-d", src[m].Name)
		}
	}
	if len(src) == 0 {
		t.Fatalf("the installed pg_dump (major %d) can dump none of %v", ClientMajor(), majors)
	}
	for _, from := range majors {
		if src[from] == nil {
			continue
		}
		for _, to := range majors {
			if to != from && from != majors[0] {
				continue
			}
			t.Run(fmt.Sprintf("pg%d_to_pg%d", from, to), func(t *testing.T) {
				s := Start(t, to)
				dst := s.NewDB(t)
				dst.Exec(t, `DO $$ BEGIN CREATE ROLE pgstow_cmp_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
				s.RunClient(t, "pg_restore", "--exit-on-error", "-d", dst.Name, archive[from])
				AssertSameDB(t, src[from], dst)
			})
		}
	}
}

// The pg_attver stamp of Debian's 15.20 cannot be set, so check its filter directly.
func TestAttOptionsDropsPgAttver(t *testing.T) {
	ForEachVersion(t, func(t *testing.T, s *Server) {
		db := &DB{Server: s, Name: "postgres"}
		got := db.QueryString(t, "SELECT "+attOptions(`'{pg_attver=3,n_distinct=5,a=1}'::text[]`))
		if got != "a=1,n_distinct=5" {
			t.Fatalf("options = %q, want %q", got, "a=1,n_distinct=5")
		}
		if got := db.QueryString(t, "SELECT coalesce("+attOptions(`'{pg_attver=3}'::text[]`)+", 'none')"); got != "none" {
			t.Fatalf("options of a stamp alone = %q, want none", got)
		}
	})
}
