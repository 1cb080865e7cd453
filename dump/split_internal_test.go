package dump

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/catalog"
)

func TestSplitBlocksCoversEveryBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		pages := rng.Int64N(1 << 22)
		bs := int64(8192)
		split := 1 + rng.Int64N(1<<30)
		rs := splitBlocks(pages, bs, split)
		if len(rs) == 0 || len(rs) > maxParts {
			t.Fatalf("splitBlocks(%d, %d, %d): %d parts", pages, bs, split, len(rs))
		}
		if rs[0].start != 0 || rs[len(rs)-1].end != 0 {
			t.Fatalf("splitBlocks(%d, %d, %d) = %v: must start at 0 and end open", pages, bs, split, rs)
		}
		for i := 1; i < len(rs); i++ {
			if rs[i].start != rs[i-1].end || rs[i-1].end <= rs[i-1].start {
				t.Fatalf("splitBlocks(%d, %d, %d) = %v: gap, overlap or empty part at %d", pages, bs, split, rs, i)
			}
		}
		if len(rs) > 1 && rs[len(rs)-1].start >= pages {
			t.Fatalf("splitBlocks(%d, %d, %d) = %v: last part starts past the table", pages, bs, split, rs)
		}
		if want := (pages*bs + split - 1) / split; want <= maxParts && want > 1 && pages > 1 && int64(len(rs)) > want {
			t.Fatalf("splitBlocks(%d, %d, %d): %d parts, want at most %d", pages, bs, split, len(rs), want)
		}
	}
}

func TestSplitBlocksExamples(t *testing.T) {
	for _, c := range []struct {
		pages, split int64
		want         []blockRange
	}{
		{0, 8192, []blockRange{{0, 0}}},
		{1, 8192, []blockRange{{0, 0}}},
		{10, 0, []blockRange{{0, 0}}},
		{10, -1, []blockRange{{0, 0}}},
		{10, 10 * 8192, []blockRange{{0, 0}}},
		{10, 5 * 8192, []blockRange{{0, 5}, {5, 0}}},
		{10, 3 * 8192, []blockRange{{0, 3}, {3, 6}, {6, 9}, {9, 0}}},
		{10, 1, []blockRange{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9}, {9, 0}}},
	} {
		got := splitBlocks(c.pages, 8192, c.split)
		if len(got) != len(c.want) {
			t.Errorf("splitBlocks(%d, 8192, %d) = %v, want %v", c.pages, c.split, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("splitBlocks(%d, 8192, %d) = %v, want %v", c.pages, c.split, got, c.want)
				break
			}
		}
	}
	if got := splitBlocks(1<<30, 8192, 1); len(got) != maxParts {
		t.Errorf("huge table: %d parts, want the cap %d", len(got), maxParts)
	}
}

func TestTablePages(t *testing.T) {
	for _, c := range []struct {
		relpages, bytes, want int64
	}{
		{0, 0, 0},
		{0, 81920, 10},   // never analyzed: relpages 0, size counts
		{0, 81921, 11},   // partial block rounds up
		{20, 81920, 20},  // stale but larger relpages
		{5, 81920, 10},   // grown since the last ANALYZE
		{-1, 0, 0},       // nonsense stays 0
		{0, -8192, 0},    // unknown size
		{3, 3 * 8192, 3}, // agree
		{100, 8192 * 2, 100},
	} {
		td := &catalog.TableData{RelPages: c.relpages, Bytes: c.bytes}
		if got := tablePages(td, 8192); got != c.want {
			t.Errorf("tablePages(relpages %d, bytes %d) = %d, want %d", c.relpages, c.bytes, got, c.want)
		}
	}
}

func TestCopySQL(t *testing.T) {
	td := &catalog.TableData{Qualified: `s."T"`, Columns: `a, "B"`}
	for _, c := range []struct {
		r     blockRange
		split bool
		want  string
	}{
		{blockRange{0, 0}, false, `COPY s."T" (a, "B") TO STDOUT`},
		{blockRange{0, 10}, true, `COPY (SELECT a, "B" FROM ONLY s."T" WHERE ctid < '(10,0)'::pg_catalog.tid) TO STDOUT`},
		{blockRange{10, 20}, true, `COPY (SELECT a, "B" FROM ONLY s."T" WHERE ctid >= '(10,0)'::pg_catalog.tid AND ctid < '(20,0)'::pg_catalog.tid) TO STDOUT`},
		{blockRange{20, 0}, true, `COPY (SELECT a, "B" FROM ONLY s."T" WHERE ctid >= '(20,0)'::pg_catalog.tid) TO STDOUT`},
	} {
		if got := copySQL(td, c.r, c.split); got != c.want {
			t.Errorf("copySQL(%v, %v) =\n%s\nwant\n%s", c.r, c.split, got, c.want)
		}
	}
	empty := &catalog.TableData{Qualified: "public.t"}
	if got, want := copySQL(empty, blockRange{}, false), "COPY public.t TO STDOUT"; got != want {
		t.Errorf("no columns: %s, want %s", got, want)
	}
	if got := copySQL(empty, blockRange{3, 0}, true); !strings.HasPrefix(got, "COPY (SELECT  FROM ONLY public.t WHERE") {
		t.Errorf("no columns, split: %s", got)
	}
}

func TestPlanLargestFirstAndParts(t *testing.T) {
	tbl := func(id int, name string, bytes int64, kind byte) *catalog.Entry {
		return &catalog.Entry{ID: id, Desc: "TABLE DATA", Deps: []int{id - 100},
			Data: &catalog.TableData{Qualified: name, Bytes: bytes, RelKind: kind}}
	}
	cat := &catalog.Catalog{Entries: []*catalog.Entry{
		{ID: 1, Desc: "TABLE"},
		tbl(101, "small", 8192, 'r'),
		tbl(102, "big", 100*8192, 'r'),
		tbl(103, "mid", 30*8192, 'r'),
		tbl(104, "mv", 1<<30, 'm'),
		tbl(105, "ft", 1<<30, 'f'),
		{ID: 106, Desc: "BLOBS", Blobs: []uint32{5}},
		{ID: 107, Desc: "SEQUENCE SET"},
	}}
	tasks, parts := plan(cat, catalog.Version(150000), 8192, 25*8192)
	var names []string
	for _, tk := range tasks {
		names = append(names, tk.name)
	}
	got := strings.Join(names, ",")
	want := "large objects,ft,big part 1/4,big part 2/4,big part 3/4,big part 4/4,mid part 1/2,mid part 2/2,small"
	if got != want {
		t.Errorf("v15 tasks:\n%s\nwant\n%s", got, want)
	}
	if len(parts) != 2 || parts[102] != 4 || parts[103] != 2 {
		t.Errorf("v15 parts = %v, want map[102:4 103:2]", parts)
	}
	tasks, parts = plan(cat, catalog.Version(120000), 8192, 25*8192)
	if len(parts) != 0 || len(tasks) != 5 {
		t.Errorf("v12: %d tasks, parts %v; want 5 tasks and no split", len(tasks), parts)
	}
}

func TestTOCEntry(t *testing.T) {
	ts := "fast"
	ce := &catalog.Entry{ID: 7, Desc: "TABLE DATA", Section: catalog.SectionData, Tag: "t", Namespace: "s",
		Owner: "o", Tablespace: &ts, CatalogOID: 0, OID: 0, Deps: []int{3},
		Data: &catalog.TableData{CopyStmt: "COPY s.t (a) FROM stdin;\n", RelKind: 'r'}}
	e := tocEntry(ce)
	if !e.HadDumper || e.FileName != "7.dat" || e.CopyStmt != ce.Data.CopyStmt || e.DumpID != 7 ||
		int(e.Section) != int(catalog.SectionData) || e.Tablespace != &ts || len(e.Deps) != 1 || e.Deps[0] != 3 {
		t.Errorf("TABLE DATA entry = %+v", e)
	}
	e.Deps[0] = 9
	if ce.Deps[0] != 3 {
		t.Error("tocEntry shares the Deps slice with the catalog")
	}
	tbl := tocEntry(&catalog.Entry{ID: 3, Desc: "TABLE", CatalogOID: 1259, OID: 16384, Create: "CREATE TABLE s.t (a int);\n", Drop: "DROP TABLE s.t;\n", TableAM: "heap", RelKind: 'r'})
	if tbl.HadDumper || tbl.FileName != "" || tbl.TableOID != 1259 || tbl.OID != 16384 || tbl.Defn == "" || tbl.DropStmt == "" || tbl.TableAM != "heap" || tbl.RelKind != 'r' {
		t.Errorf("TABLE entry = %+v", tbl)
	}
	mv := tocEntry(&catalog.Entry{ID: 4, Desc: "TABLE DATA", Data: &catalog.TableData{RelKind: 'm'}})
	if mv.HadDumper || mv.FileName != "" {
		t.Errorf("matview TABLE DATA must carry no data member: %+v", mv)
	}
	b := tocEntry(&catalog.Entry{ID: 9, Desc: "BLOBS", Blobs: []uint32{1}})
	if !b.HadDumper || b.FileName != "9.dat" || b.CopyStmt != "" {
		t.Errorf("BLOBS entry = %+v", b)
	}
}

func TestQuoteLiteral(t *testing.T) {
	for in, want := range map[string]string{
		"00000003-0000001B-1": "'00000003-0000001B-1'",
		"it's":                "'it''s'",
		`a\b`:                 `E'a\\b'`,
		`'\`:                  `E'''\\'`,
	} {
		if got := quoteLiteral(in); got != want {
			t.Errorf("quoteLiteral(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCopySQLExtensionConfigFilter(t *testing.T) {
	td := &catalog.TableData{Qualified: "ext.cfg", Columns: "a, b", Where: "WHERE a > 1"}
	if got, want := copySQL(td, blockRange{}, false), "COPY (SELECT a, b FROM ONLY ext.cfg WHERE a > 1) TO STDOUT"; got != want {
		t.Errorf("whole: %q, want %q", got, want)
	}
	if got, want := copySQL(td, blockRange{start: 10, end: 20}, true), "COPY (SELECT a, b FROM ONLY ext.cfg WHERE ctid >= '(10,0)'::pg_catalog.tid AND ctid < '(20,0)'::pg_catalog.tid AND (a > 1)) TO STDOUT"; got != want {
		t.Errorf("part: %q, want %q", got, want)
	}
}
