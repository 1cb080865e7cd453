package dump

// These tests run the dump pipeline (snapshot, locks, split, workers, COPY) against
// real servers with a hand-made catalog of the tables they create and an in-memory
// archive writer, so they do not depend on the catalog and format packages' code.
// dump_test.go covers the whole thing through pg_restore.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgstow/pgstow/catalog"
	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

// testLoader builds a catalog of the named tables ("schema.table", unquoted) inside
// the dump's transaction, and of every large object when blobs is set.
func testLoader(blobs bool, tables ...string) loadFunc {
	return func(ctx context.Context, q catalog.Querier, _ catalog.Options) (*catalog.Catalog, error) {
		cat := &catalog.Catalog{}
		var vnum int
		rows, _ := q.Query(ctx, "SELECT current_setting('server_version_num')::int, current_setting('server_version'), current_database()")
		if _, err := pgx.ForEachRow(rows, []any{&vnum, &cat.ServerVersion, &cat.Database}, func() error { return nil }); err != nil {
			return nil, err
		}
		cat.Server = catalog.Version(vnum)
		id := 1
		for _, name := range tables {
			td := &catalog.TableData{Rows: -1}
			sch, rel, _ := strings.Cut(name, ".")
			rows, _ := q.Query(ctx, `SELECT c.oid, n.nspname, c.relname, c.relpages::int8, c.relkind::text,
				coalesce((SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
				  WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped AND attgenerated = ''), '')
				FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`, sch, rel)
			var kind string
			n, err := pgx.ForEachRow(rows, []any{&td.OID, &td.Schema, &td.Name, &td.RelPages, &kind, &td.Columns}, func() error { return nil })
			if err != nil || n.RowsAffected() != 1 {
				return nil, fmt.Errorf("table %s: %d rows, %v", name, n.RowsAffected(), err)
			}
			td.RelKind = kind[0]
			td.Qualified = pgx.Identifier{td.Schema, td.Name}.Sanitize()
			td.CopyStmt = fmt.Sprintf("COPY %s (%s) FROM stdin;\n", td.Qualified, td.Columns)
			tbl := &catalog.Entry{ID: id, Desc: "TABLE", Section: catalog.SectionPreData, Tag: td.Name, Namespace: td.Schema,
				CatalogOID: 1259, OID: td.OID, RelKind: td.RelKind}
			data := &catalog.Entry{ID: id + 1, Desc: "TABLE DATA", Section: catalog.SectionData, Tag: td.Name,
				Namespace: td.Schema, Deps: []int{id}, Data: td}
			cat.Entries = append(cat.Entries, tbl, data)
			id += 2
		}
		if blobs {
			rows, _ := q.Query(ctx, "SELECT oid FROM pg_largeobject_metadata ORDER BY oid")
			oids, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
			if err != nil {
				return nil, err
			}
			cat.Entries = append(cat.Entries, &catalog.Entry{ID: id, Desc: "BLOBS", Section: catalog.SectionData, Tag: "BLOBS", Blobs: oids})
		}
		return cat, nil
	}
}

// memWriter is an in-memory format.Writer that checks the contract dump relies on.
type memWriter struct {
	mu        sync.Mutex
	toc       *format.TOC
	parts     map[int]int
	committed map[[2]int][]byte
	rows      map[[2]int]int64
	blobs     map[uint32][]byte
	extra     *format.Extra
	closed    int
	aborted   int
	onBegin   func()
	onWrite   func(ctx context.Context) error
}

func newMemWriter() *memWriter {
	return &memWriter{committed: map[[2]int][]byte{}, rows: map[[2]int]int64{}, blobs: map[uint32][]byte{}}
}

func (m *memWriter) Begin(ctx context.Context, toc *format.TOC, parts map[int]int) error {
	m.mu.Lock()
	m.toc, m.parts = toc, parts
	m.mu.Unlock()
	if m.onBegin != nil {
		m.onBegin()
	}
	return nil
}

func (m *memWriter) Part(ctx context.Context, dumpID, index int) (format.PartWriter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.toc == nil {
		return nil, errors.New("Part before Begin")
	}
	e := m.toc.Entry(dumpID)
	if e == nil || !e.HadDumper {
		return nil, fmt.Errorf("Part(%d): no such data entry", dumpID)
	}
	n := max(m.parts[dumpID], 1)
	if index < 0 || index >= n {
		return nil, fmt.Errorf("Part(%d, %d): entry has %d parts", dumpID, index, n)
	}
	if _, dup := m.committed[[2]int{dumpID, index}]; dup {
		return nil, fmt.Errorf("Part(%d, %d) twice", dumpID, index)
	}
	return &memPart{m: m, ctx: ctx, key: [2]int{dumpID, index}}, nil
}

func (m *memWriter) Blobs(ctx context.Context, dumpID int) (format.BlobWriter, error) {
	return &memBlobs{m: m}, nil
}

func (m *memWriter) Close(ctx context.Context, extra *format.Extra) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.toc.Entries {
		if e.HadDumper && e.Desc == "TABLE DATA" {
			for i := range max(m.parts[e.DumpID], 1) {
				if _, ok := m.committed[[2]int{e.DumpID, i}]; !ok {
					return fmt.Errorf("Close: part %d of %d missing", i, e.DumpID)
				}
			}
		}
	}
	m.extra = extra
	m.closed++
	return nil
}

func (m *memWriter) Abort() error {
	m.mu.Lock()
	m.aborted++
	m.mu.Unlock()
	return nil
}

// member is the data of entry id: its parts in order.
func (m *memWriter) member(t *testing.T, id int) ([]byte, int64) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	var b []byte
	var rows int64
	for i := range max(m.parts[id], 1) {
		p, ok := m.committed[[2]int{id, i}]
		if !ok {
			t.Fatalf("entry %d part %d not committed", id, i)
		}
		b = append(b, p...)
		rows += m.rows[[2]int{id, i}]
	}
	return b, rows
}

type memPart struct {
	m   *memWriter
	ctx context.Context
	key [2]int
	buf bytes.Buffer
}

func (p *memPart) Write(b []byte) (int, error) {
	if p.m.onWrite != nil {
		if err := p.m.onWrite(p.ctx); err != nil {
			return 0, err
		}
	}
	return p.buf.Write(b)
}

func (p *memPart) Commit(rows int64) error {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	p.m.committed[p.key] = p.buf.Bytes()
	p.m.rows[p.key] = rows
	return nil
}

func (p *memPart) Abort() {}

type memBlobs struct {
	m    *memWriter
	last uint32
}

func (b *memBlobs) Blob(oid uint32) (io.WriteCloser, error) {
	if oid <= b.last {
		return nil, fmt.Errorf("blob %d after %d: not in OID order", oid, b.last)
	}
	b.last = oid
	return &memBlob{m: b.m, oid: oid}, nil
}

func (b *memBlobs) Close() error { return nil }

type memBlob struct {
	m   *memWriter
	oid uint32
	buf bytes.Buffer
}

func (b *memBlob) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *memBlob) Close() error {
	b.m.mu.Lock()
	b.m.blobs[b.oid] = b.buf.Bytes()
	b.m.mu.Unlock()
	return nil
}

var _ format.Writer = (*memWriter)(nil)

// referenceCopy is COPY … TO STDOUT of a whole table, read directly: what a dump must hold.
func referenceCopy(t *testing.T, db *pgtest.DB, sql string) []byte {
	t.Helper()
	conn := db.Connect(t)
	var b bytes.Buffer
	if _, err := conn.PgConn().Exec(context.Background(), "SET extra_float_digits = 3; SET DateStyle = ISO; SET IntervalStyle = postgres").ReadAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.PgConn().CopyTo(context.Background(), &b, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return b.Bytes()
}

const mixedTable = `
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Mixed ""T""" (
  id int PRIMARY KEY, t text, b bytea, f float8, ts timestamptz, iv interval,
  arr int[], j jsonb, dropped int, g int GENERATED ALWAYS AS (id * 2) STORED);
ALTER TABLE "Odd Schema"."Mixed ""T""" DROP COLUMN dropped;
INSERT INTO "Odd Schema"."Mixed ""T""" (id, t, b, f, ts, iv, arr, j)
SELECT i, CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN E'tab\there\nnew\\line ü ✓' ELSE repeat('x', i % 300) END,
  CASE WHEN i % 7 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') END, i / 3.0,
  timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', i * interval '1 minute',
  ARRAY[i, NULL, -i], jsonb_build_object('k', i, 's', E'q"\\')
FROM generate_series(1, 20000) i;`

func TestSplitPartsEqualWholeCopy(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, mixedTable)
		want := referenceCopy(t, db, `COPY "Odd Schema"."Mixed ""T""" (id, t, b, f, ts, iv, arr, j) TO STDOUT`)
		{
			w := newMemWriter()
			sum, err := run(context.Background(), db.Config(t), w, Options{Jobs: 3, SplitBytes: 64 << 10},
				testLoader(false, `Odd Schema.Mixed "T"`))
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			got, rows := w.member(t, 2)
			if !bytes.Equal(got, want) {
				t.Fatalf("dumped %d bytes, want %d bytes equal to the table's COPY", len(got), len(want))
			}
			if rows != 20000 || sum.Rows != 20000 || sum.Tables != 1 || sum.Bytes != int64(len(want)) {
				t.Fatalf("rows %d, summary %+v; want 20000 rows, 1 table, %d bytes", rows, sum, len(want))
			}
			parts := w.parts[2]
			if srv.Major >= 14 && parts < 4 {
				t.Fatalf("pg%d: %d parts, want the table split", srv.Major, parts)
			}
			if srv.Major < 14 && parts != 0 {
				t.Fatalf("pg%d: %d parts, want no split before 14", srv.Major, parts)
			}
			if w.closed != 1 || w.aborted != 0 {
				t.Fatalf("closed %d aborted %d", w.closed, w.aborted)
			}
			e := w.toc.Entry(2)
			if e.FileName != "2.dat" || !e.HadDumper || !strings.HasPrefix(e.CopyStmt, `COPY "Odd Schema"`) {
				t.Fatalf("TABLE DATA entry %+v", e)
			}
		}
	})
}

func TestCtidRangeIsTidRangeScan(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		if srv.Major < 14 {
			if hasTidRangeScan(catalog.Version(srv.VersionNum)) {
				t.Fatalf("pg%d must not split", srv.Major)
			}
			return
		}
		db := srv.NewDB(t)
		db.Exec(t, "CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 10000); ANALYZE t")
		td := &catalog.TableData{Qualified: "public.t", Columns: "a"}
		sql := copySQL(td, blockRange{2, 5}, true)
		sel := strings.TrimSuffix(strings.TrimPrefix(sql, "COPY ("), ") TO STDOUT")
		conn := db.Connect(t)
		rows, _ := conn.Query(context.Background(), "EXPLAIN "+sel)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if plan := strings.Join(lines, "\n"); !strings.Contains(plan, "Tid Range Scan") {
			t.Fatalf("plan of a part is not a TID Range Scan:\n%s", plan)
		}
	})
}

func TestWorkersShareTheSnapshot(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, "CREATE TABLE a (id int, v text); INSERT INTO a SELECT i, md5(i::text) FROM generate_series(1, 30000) i;"+
			"CREATE TABLE b (id int); INSERT INTO b SELECT generate_series(1, 1000)")
		wantA := referenceCopy(t, db, "COPY public.a (id, v) TO STDOUT")
		wantB := referenceCopy(t, db, "COPY public.b (id) TO STDOUT")
		w := newMemWriter()
		// Workers connect after Begin: changes committed now must stay invisible.
		w.onBegin = func() {
			db.Exec(t, "INSERT INTO a SELECT i, 'late' FROM generate_series(1, 5000) i; DELETE FROM a WHERE id % 2 = 0;"+
				"UPDATE b SET id = -id; INSERT INTO b VALUES (0)")
		}
		if _, err := run(context.Background(), db.Config(t), w, Options{Jobs: 4, SplitBytes: 32 << 10},
			testLoader(false, "public.a", "public.b")); err != nil {
			t.Fatalf("run: %v", err)
		}
		if got, _ := w.member(t, 2); !bytes.Equal(got, wantA) {
			t.Fatalf("table a: %d bytes, want %d (the snapshot's rows)", len(got), len(wantA))
		}
		if got, _ := w.member(t, 4); !bytes.Equal(got, wantB) {
			t.Fatalf("table b differs from the snapshot's rows")
		}
	})
}

func TestExternalSnapshot(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, "CREATE TABLE a (id int); INSERT INTO a SELECT generate_series(1, 100)")
		want := referenceCopy(t, db, "COPY public.a (id) TO STDOUT")
		holder := db.Connect(t)
		ctx := context.Background()
		tx, err := holder.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		var snap string
		if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snap); err != nil {
			t.Fatal(err)
		}
		db.Exec(t, "INSERT INTO a SELECT generate_series(101, 200)")
		w := newMemWriter()
		if _, err := run(ctx, db.Config(t), w, Options{Jobs: 2, Snapshot: snap, Serializable: true},
			testLoader(false, "public.a")); err != nil {
			t.Fatalf("run: %v", err)
		}
		if got, _ := w.member(t, 2); !bytes.Equal(got, want) {
			t.Fatalf("dump with --snapshot saw rows committed after it")
		}
		w = newMemWriter()
		_, err = run(ctx, db.Config(t), w, Options{Snapshot: "00000003-0000001B-1"}, testLoader(false, "public.a"))
		if err == nil || !strings.Contains(err.Error(), "import snapshot") || w.aborted == 0 {
			t.Fatalf("bad snapshot id: err %v, aborted %d; want an import error and an abort", err, w.aborted)
		}
	})
}

func TestSerializableDeferrable(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, "CREATE TABLE a (id int); INSERT INTO a SELECT generate_series(1, 100)")
		w := newMemWriter()
		if _, err := run(context.Background(), db.Config(t), w, Options{Jobs: 1, Serializable: true, SplitBytes: 1},
			testLoader(false, "public.a")); err != nil {
			t.Fatalf("run: %v", err)
		}
		if _, rows := w.member(t, 2); rows != 100 {
			t.Fatalf("rows %d", rows)
		}
	})
}

func TestLargeObjects(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, `SELECT lo_from_bytea(1001, ''::bytea); SELECT lo_from_bytea(1002, 'hello\000world'::bytea);
			SELECT lo_from_bytea(1003, decode(repeat(md5('x'), 20000), 'hex'));  -- 320000 bytes: two lo_get chunks
			SELECT lo_from_bytea(1004, decode(repeat('ab', 262144), 'hex'))        -- exactly one chunk`)
		w := newMemWriter()
		sum, err := run(context.Background(), db.Config(t), w, Options{Jobs: 2}, testLoader(true))
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		conn := db.Connect(t)
		var total int64
		for _, oid := range []uint32{1001, 1002, 1003, 1004} {
			var want []byte
			if err := conn.QueryRow(context.Background(), "SELECT lo_get($1)", oid).Scan(&want); err != nil {
				t.Fatal(err)
			}
			got, ok := w.blobs[oid]
			if !ok || !bytes.Equal(got, want) {
				t.Fatalf("large object %d: got %d bytes (present %v), want %d", oid, len(got), ok, len(want))
			}
			total += int64(len(want))
		}
		if sum.Bytes != total {
			t.Fatalf("summary bytes %d, want %d", sum.Bytes, total)
		}
	})
}

func TestLockWaitTimeout(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, "CREATE TABLE a (id int); INSERT INTO a VALUES (1)")
		holder := db.Connect(t)
		ctx := context.Background()
		tx, err := holder.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "LOCK TABLE a IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		w := newMemWriter()
		start := time.Now()
		_, err = run(ctx, db.Config(t), w, Options{LockWaitTimeout: 300 * time.Millisecond}, testLoader(false, "public.a"))
		if err == nil || !strings.Contains(err.Error(), "lock") || !strings.Contains(err.Error(), "not granted within 300ms") {
			t.Fatalf("err = %v, want a lock wait timeout naming the table", err)
		}
		if !strings.Contains(err.Error(), "public.a") {
			t.Errorf("error does not name the table: %v", err)
		}
		if time.Since(start) > 10*time.Second || w.aborted == 0 || w.closed != 0 {
			t.Fatalf("took %s, aborted %d, closed %d", time.Since(start), w.aborted, w.closed)
		}
	})
}

// bigTable creates about 40 MB of rows, enough that dumping it through a slowed
// writer takes seconds.
const bigTable = "CREATE TABLE big (id int, pad text); INSERT INTO big SELECT i, repeat(md5(i::text), 6) FROM generate_series(1, 200000) i"

func TestBackendKilledMidCopy(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, bigTable)
		w := newMemWriter()
		copying := make(chan struct{})
		release := make(chan struct{})
		var once sync.Once
		w.onWrite = func(ctx context.Context) error {
			once.Do(func() {
				close(copying)
				<-release
			})
			return nil
		}
		go func() {
			<-copying
			admin := db.Connect(t)
			var n int
			err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND query LIKE 'COPY%' AND pid <> pg_backend_pid()`).Scan(&n)
			if err != nil || n == 0 {
				t.Errorf("terminate: %d backends, %v", n, err)
			}
			close(release)
		}()
		_, err := run(context.Background(), db.Config(t), w, Options{Jobs: 2, SplitBytes: 4 << 20}, testLoader(false, "public.big"))
		if err == nil {
			t.Fatal("run succeeded although its backend was terminated")
		}
		if !strings.Contains(err.Error(), `dump table "public"."big"`) || !strings.Contains(err.Error(), "copy") {
			t.Errorf("error does not name table and step: %v", err)
		}
		if w.aborted == 0 || w.closed != 0 {
			t.Fatalf("aborted %d closed %d: a failed dump must abort the archive", w.aborted, w.closed)
		}
	})
}

func TestCancelStopsPromptly(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, bigTable)
		w := newMemWriter()
		// 10 ms per 64 kB write: the whole table would take more than 5 s.
		w.onWrite = func(context.Context) error { time.Sleep(10 * time.Millisecond); return nil }
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		var once sync.Once
		prog := progressFunc(func() { once.Do(func() { close(started) }) })
		go func() {
			<-started
			time.Sleep(300 * time.Millisecond)
			cancel()
		}()
		start := time.Now()
		_, err := run(ctx, db.Config(t), w, Options{Jobs: 2, Progress: prog}, testLoader(false, "public.big"))
		took := time.Since(start)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if took > 3*time.Second {
			t.Fatalf("cancel took effect after %s", took)
		}
		if w.aborted == 0 || w.closed != 0 {
			t.Fatalf("aborted %d closed %d", w.aborted, w.closed)
		}
	})
}

type progressFunc func()

func (f progressFunc) TableStarted(string, int64) { f() }
func (f progressFunc) Add(string, int64, int64)   {}
func (f progressFunc) TableDone(string, error)    {}

// recProgress records progress calls.
type recProgress struct {
	mu            sync.Mutex
	started, done []string
	bytes, rows   int64
	tables, total int64
}

func (p *recProgress) TableStarted(n string, _ int64) {
	p.mu.Lock()
	p.started = append(p.started, n)
	p.mu.Unlock()
}
func (p *recProgress) Add(_ string, b, r int64) {
	p.mu.Lock()
	p.bytes += b
	p.rows += r
	p.mu.Unlock()
}
func (p *recProgress) TableDone(n string, _ error) {
	p.mu.Lock()
	p.done = append(p.done, n)
	p.mu.Unlock()
}
func (p *recProgress) SetTables(n int64) { p.tables = n }
func (p *recProgress) SetTotal(b int64)  { p.total = b }

func TestProgressReports(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, "CREATE TABLE a (id int, v text); INSERT INTO a SELECT i, md5(i::text) FROM generate_series(1, 20000) i;"+
			"CREATE TABLE b (id int); INSERT INTO b SELECT generate_series(1, 10)")
		p := &recProgress{}
		sum, err := run(context.Background(), db.Config(t), newMemWriter(), Options{Jobs: 2, SplitBytes: 256 << 10, Progress: p},
			testLoader(false, "public.a", "public.b"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(p.started)
		sort.Strings(p.done)
		if strings.Join(p.started, ",") != strings.Join(p.done, ",") || int64(len(p.started)) != p.tables {
			t.Fatalf("started %v, done %v, SetTables %d", p.started, p.done, p.tables)
		}
		if p.rows != 20010 || p.bytes != sum.Bytes || sum.Rows != 20010 || sum.Tables != 2 || p.total <= 0 {
			t.Fatalf("progress rows %d bytes %d total %d; summary %+v", p.rows, p.bytes, p.total, sum)
		}
		if srv.Major >= 14 && len(p.started) < 3 {
			t.Fatalf("pg%d: items %v, want table a split", srv.Major, p.started)
		}
	})
}

func TestRoleIsSetOnEveryConnection(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		role := strings.ReplaceAll(db.Name, "t", "r") // unique per test database
		db.Exec(t, fmt.Sprintf(`CREATE TABLE a (id int); INSERT INTO a VALUES (1);
			CREATE TABLE secret (id int); INSERT INTO secret VALUES (2);
			CREATE ROLE %[1]s; GRANT SELECT ON a TO %[1]s`, role))
		t.Cleanup(func() { _ = db.TryExec("DROP OWNED BY " + role + "; DROP ROLE " + role) })
		w := newMemWriter()
		// Like pg_dump, every dumped table is locked first: secret must be excluded.
		only := catalog.Options{Filter: catalog.Filter{ExcludeTables: []string{"secret"}}}
		if _, err := run(context.Background(), db.Config(t), w, Options{Jobs: 2, Role: role, Catalog: only}, testLoader(false, "public.a")); err != nil {
			t.Fatalf("dump as %s: %v", role, err)
		}
		w = newMemWriter()
		_, err := run(context.Background(), db.Config(t), w, Options{Jobs: 2, Role: role}, testLoader(false, "public.a", "public.secret"))
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("dump of a table the role cannot read: err = %v, want permission denied", err)
		}
		if w.aborted == 0 {
			t.Fatal("no abort")
		}
	})
}
