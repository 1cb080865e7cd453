package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// checkSample verifies a database restored from sampleArchive.
func checkSample(t *testing.T, db *pgtest.DB) {
	t.Helper()
	checks := []struct{ sql, want string }{
		{"SELECT count(*) FROM s1.big", "5000"},
		{"SELECT count(*) FROM s1.small", "300"},
		{"SELECT count(*) FROM s1.chunky", "3000"},
		{"SELECT count(DISTINCT id) FROM s1.chunky", "3000"},
		{`SELECT "Odd col" FROM s1.chunky WHERE id = 2999`, "line\twith tab 2999"},
		{"SELECT count(*) FROM s1.small WHERE big_id IS NULL", "30"},
		{"SELECT last_value FROM s1.seq", "42"},
		{"SELECT n FROM s1.mv", "5000"},
		{"SELECT relowner::regrole::text FROM pg_class WHERE oid = 's1.big'::regclass", ownerRole},
		{"SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 's1'", ownerRole},
		{"SELECT obj_description('s1.big'::regclass, 'pg_class')", "the big one"},
		{"SELECT has_table_privilege('" + readerRole + "', 's1.big', 'SELECT')", "true"},
		{"SELECT count(*) FROM pg_constraint WHERE connamespace = 's1'::regnamespace AND contype = 'p'", "3"},
		{"SELECT count(*) FROM pg_constraint WHERE connamespace = 's1'::regnamespace AND contype = 'f'", "1"},
		{"SELECT count(*) FROM pg_indexes WHERE schemaname = 's1'", "5"},
	}
	for _, c := range checks {
		if got := db.QueryString(t, c.sql); got != c.want {
			t.Errorf("%s: got %q, want %q", c.sql, got, c.want)
		}
	}
}

// unfrozen counts tuples of the first page of rel that are not frozen, or -1 when
// pageinspect is not installed on this server.
func unfrozen(t *testing.T, db *pgtest.DB, rel string) int {
	t.Helper()
	if db.QueryString(t, "SELECT count(*) FROM pg_available_extensions WHERE name = 'pageinspect'") == "0" {
		t.Logf("pageinspect not installed on PostgreSQL %d: COPY FREEZE not checked", db.Server.Major)
		return -1
	}
	db.Exec(t, "CREATE EXTENSION IF NOT EXISTS pageinspect")
	var n int
	fmt.Sscan(db.QueryString(t, fmt.Sprintf(
		"SELECT count(*) FROM heap_page_items(get_raw_page('%s', 0)) WHERE t_infomask & 768 <> 768", rel)), &n)
	return n
}

func TestRunSample(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		for _, jobs := range []int{1, 4} {
			t.Run(fmt.Sprintf("j%d", jobs), func(t *testing.T) {
				db := s.NewDB(t)
				db.Exec(t, rolesSQL)
				prog := &recProgress{}
				sum, err := Run(testCtx(t), db.Config(t), sampleArchive(true), Options{Jobs: jobs, Progress: prog})
				if err != nil {
					t.Fatalf("Run: %v (errors %v)", err, sum.Errors)
				}
				if sum.Tables != 3 || sum.Rows != 8300 || len(sum.Errors) != 0 || sum.Bytes == 0 {
					t.Errorf("summary %+v", sum)
				}
				checkSample(t, db)
				if got := prog.done(); got != "s1.big,s1.chunky,s1.small" {
					t.Errorf("progress tables done: %s", got)
				}
				// Tables this run created are loaded with COPY FREEZE; a chunked
				// table loaded by several connections cannot be.
				if n := unfrozen(t, db, "s1.big"); n > 0 {
					t.Errorf("s1.big: %d unfrozen tuples after a FREEZE load", n)
				}
				n := unfrozen(t, db, "s1.chunky")
				if jobs == 1 && n > 0 {
					t.Errorf("s1.chunky loaded serially: %d unfrozen tuples", n)
				}
				if jobs > 1 && n == 0 {
					t.Errorf("s1.chunky loaded in chunks, yet frozen")
				}
			})
		}
	})
}

func TestRunSequential(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		db := s.NewDB(t)
		db.Exec(t, rolesSQL)
		m := sampleArchive(true)
		m.seq = true
		sum, err := Run(testCtx(t), db.Config(t), m, Options{Jobs: 3})
		if err != nil {
			t.Fatalf("Run: %v (errors %v)", err, sum.Errors)
		}
		checkSample(t, db)
	})
}

func TestRunErrors(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		ctx := testCtx(t)
		db := s.NewDB(t)
		db.Exec(t, rolesSQL)
		if _, err := Run(ctx, db.Config(t), sampleArchive(false), Options{Jobs: 2}); err != nil {
			t.Fatal(err)
		}

		// Again without --clean: every CREATE fails, the restore goes on.
		sum, err := Run(ctx, db.Config(t), sampleArchive(false), Options{Jobs: 2})
		if !errors.Is(err, ErrIgnored) || len(sum.Errors) < 5 {
			t.Fatalf("second restore: err %v, %d errors", err, len(sum.Errors))
		}
		var ee *EntryError
		found := false
		for _, e := range sum.Errors {
			if errors.As(e, &ee) && ee.DumpID == 5 && ee.Step == "create" {
				found = true
				if !strings.HasPrefix(e.Error(), "TOC entry 5; TABLE s1 big: create: ") || !strings.Contains(e.Error(), "already exists") {
					t.Errorf("error text %q", e.Error())
				}
			}
		}
		if !found {
			t.Errorf("no create error for TOC entry 5 in %v", sum.Errors)
		}

		// With ExitOnError the first error stops the restore.
		sum, err = Run(ctx, db.Config(t), sampleArchive(false), Options{Jobs: 2, ExitOnError: true})
		if !errors.As(err, &ee) || ee.DumpID != 4 || ee.Step != "create" || len(sum.Errors) != 1 {
			t.Errorf("exit on error: %v, %d errors", err, len(sum.Errors))
		}

		// --clean --if-exists over the restored database: same result, no duplicates.
		sum, err = Run(ctx, db.Config(t), sampleArchive(true), Options{Jobs: 3, Clean: true, IfExists: true})
		if err != nil {
			t.Fatalf("clean restore: %v %v", err, sum.Errors)
		}
		checkSample(t, db)

		// --clean --if-exists into an empty database.
		empty := s.NewDB(t)
		if sum, err := Run(ctx, empty.Config(t), sampleArchive(false), Options{Clean: true, IfExists: true}); err != nil {
			t.Fatalf("clean into empty: %v %v", err, sum.Errors)
		}
		checkSample(t, empty)

		// A missing role fails the owner step only; --no-owner avoids it.
		m := sampleArchive(false)
		for _, e := range m.toc.Entries {
			if e.Tag == "small" && e.Desc == "TABLE" {
				e.Owner = "pgstow_no_such_role"
			}
		}
		db2 := s.NewDB(t)
		db2.Exec(t, rolesSQL)
		sum, err = Run(ctx, db2.Config(t), m, Options{Jobs: 2})
		if !errors.Is(err, ErrIgnored) || len(sum.Errors) != 1 || !errors.As(sum.Errors[0], &ee) || ee.Step != "owner" || ee.Tag != "small" {
			t.Errorf("missing role: %v %v", err, sum.Errors)
		}
		if got := db2.QueryString(t, "SELECT count(*) FROM s1.small"); got != "300" {
			t.Errorf("small after owner error: %s rows", got)
		}
		db3 := s.NewDB(t)
		if sum, err := Run(ctx, db3.Config(t), m, Options{Jobs: 2, NoOwner: true}); err != nil {
			t.Errorf("no owner: %v %v", err, sum.Errors)
		}
		if got := db3.QueryString(t, "SELECT relowner::regrole::text FROM pg_class WHERE oid = 's1.small'::regclass"); got != "postgres" {
			t.Errorf("no owner: s1.small owned by %s", got)
		}

		// Corrupt data: the entry fails at the read step and loads nothing.
		m = sampleArchive(false)
		bigData := 0
		for _, e := range m.toc.Entries {
			if e.Desc == "TABLE DATA" && e.Tag == "big" {
				bigData = e.DumpID
			}
		}
		m.failAt[bigData] = true
		db4 := s.NewDB(t)
		db4.Exec(t, rolesSQL)
		sum, err = Run(ctx, db4.Config(t), m, Options{Jobs: 2})
		if !errors.Is(err, ErrIgnored) || len(sum.Errors) == 0 || !errors.As(sum.Errors[0], &ee) || ee.DumpID != bigData || ee.Step != "read" ||
			!errors.Is(sum.Errors[0], format.ErrCorrupt) {
			t.Errorf("corrupt data: %v %v", err, sum.Errors)
		}
		if got := db4.QueryString(t, "SELECT count(*) FROM s1.big"); got != "0" {
			t.Errorf("corrupt data: %s rows loaded", got)
		}
	})
}

func TestRunSelection(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		ctx := testCtx(t)
		db := s.NewDB(t)
		db.Exec(t, rolesSQL)
		if sum, err := Run(ctx, db.Config(t), sampleArchive(false), Options{Jobs: 2, SchemaOnly: true}); err != nil {
			t.Fatalf("schema only: %v %v", err, sum.Errors)
		}
		if got := db.QueryString(t, "SELECT count(*) FROM s1.big"); got != "0" {
			t.Errorf("schema only loaded %s rows", got)
		}
		// A trigger that rejects every row: data-only with DisableTriggers loads anyway.
		db.Exec(t, `CREATE FUNCTION s1.no() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no'; END $$;
			CREATE TRIGGER no BEFORE INSERT ON s1.small FOR EACH ROW EXECUTE FUNCTION s1.no();
			ALTER TABLE s1.small DROP CONSTRAINT small_big_id_fkey`)
		sum, err := Run(ctx, db.Config(t), sampleArchive(true), Options{Jobs: 2, DataOnly: true, Tables: []string{"small"}})
		if !errors.Is(err, ErrIgnored) || len(sum.Errors) != 1 {
			t.Fatalf("data only with trigger: %v %v", err, sum.Errors)
		}
		sum, err = Run(ctx, db.Config(t), sampleArchive(true), Options{Jobs: 2, DataOnly: true, DisableTriggers: true, SingleTransaction: true})
		if err != nil {
			t.Fatalf("data only, triggers disabled: %v %v", err, sum.Errors)
		}
		if sum.Tables != 3 || db.QueryString(t, "SELECT count(*) FROM s1.small") != "300" || db.QueryString(t, "SELECT count(*) FROM s1.chunky") != "3000" {
			t.Errorf("data only: %+v", sum)
		}
		if got := db.QueryString(t, "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'no'"); got != "O" {
			t.Errorf("trigger left as %q", got)
		}
	})
}

func TestRunCreate(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		ctx := testCtx(t)
		admin := s.NewDB(t)
		admin.Exec(t, rolesSQL)
		name := fmt.Sprintf("restore_create_%d", time.Now().UnixNano()%1e9)
		t.Cleanup(func() { s.DropDB(name) })
		build := func() *memArchive {
			m := sampleArchive(false)
			db := &format.Entry{DumpID: 100, Tag: name, Desc: "DATABASE", Section: format.SectionPreData, Owner: ownerRole,
				Defn:     "CREATE DATABASE " + name + " WITH TEMPLATE = template0 ENCODING = 'UTF8';\n",
				DropStmt: "DROP DATABASE " + name + ";\n"}
			cm := &format.Entry{DumpID: 101, Tag: "DATABASE " + name, Desc: "COMMENT", Section: format.SectionNone, Owner: ownerRole,
				Defn: "COMMENT ON DATABASE " + name + " IS 'made by restore';\n", Deps: []int{100}}
			m.toc.Entries = append(m.toc.Entries[:3], append([]*format.Entry{db, cm}, m.toc.Entries[3:]...)...)
			return m
		}
		if sum, err := Run(ctx, admin.Config(t), build(), Options{Create: true, Jobs: 2}); err != nil {
			t.Fatalf("create: %v %v", err, sum.Errors)
		}
		dst := &pgtest.DB{Server: s, Name: name}
		checkSample(t, dst)
		if got := dst.QueryString(t, "SELECT shobj_description(oid, 'pg_database') || ' ' || datdba::regrole::text FROM pg_database WHERE datname = current_database()"); got != "made by restore "+ownerRole {
			t.Errorf("database comment/owner: %q", got)
		}
		// Without --create the DATABASE entries are not restored.
		other := s.NewDB(t)
		other.Exec(t, rolesSQL)
		if sum, err := Run(ctx, other.Config(t), build(), Options{Jobs: 2}); err != nil {
			t.Fatalf("no create: %v %v", err, sum.Errors)
		}
		// --create --clean drops and recreates it.
		dst.Exec(t, "CREATE TABLE public.leftover (x int)")
		// The checks above leave sessions open until the test ends.
		admin.Exec(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+name+"'")
		if sum, err := Run(ctx, admin.Config(t), build(), Options{Create: true, Clean: true, IfExists: true, Jobs: 2}); err != nil {
			t.Fatalf("create clean: %v %v", err, sum.Errors)
		}
		checkSample(t, dst)
		if got := dst.QueryString(t, "SELECT count(*) FROM pg_class WHERE relname = 'leftover'"); got != "0" {
			t.Errorf("--create --clean kept an old table")
		}
	})
}

// runPsql runs a script with psql, stopping at the first error.
func runPsql(t *testing.T, db *pgtest.DB, path string) {
	t.Helper()
	cmd := exec.Command(pgtest.ClientBin(t, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.ConnString(), "-f", path)
	cmd.Env = db.Server.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("psql -f %s: %v\n%s", path, err, out)
	}
}

var restrictLine = regexp.MustCompile(`(?m)^\\restrict ([A-Za-z0-9]{64})$`)

func TestWriteScript(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		ctx := testCtx(t)
		path := filepath.Join(t.TempDir(), "out.sql")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteScript(ctx, f, sampleArchive(true), Options{}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		b, _ := os.ReadFile(path)
		script := string(b)
		m := restrictLine.FindStringSubmatch(script)
		if m == nil || !strings.Contains(script, "\n\\unrestrict "+m[1]+"\n") {
			t.Errorf("script lacks \\restrict/\\unrestrict with one key")
		}
		if !strings.Contains(script, "COPY s1.big (id, v) FROM stdin;\n1\tvalue 1\n") || strings.Count(script, "\n\\.\n") != 3 {
			t.Errorf("script data blocks wrong")
		}
		viaScript := s.NewDB(t)
		viaScript.Exec(t, rolesSQL)
		runPsql(t, viaScript, path)
		checkSample(t, viaScript)
		viaRun := s.NewDB(t)
		if _, err := Run(ctx, viaRun.Config(t), sampleArchive(true), Options{Jobs: 4}); err != nil {
			t.Fatal(err)
		}
		pgtest.AssertSameDB(t, viaScript, viaRun)
	})
}

type recProgress struct {
	mu    chan struct{}
	names []string
}

func (p *recProgress) lock() {
	if p.mu == nil {
		p.mu = make(chan struct{}, 1)
	}
	p.mu <- struct{}{}
}
func (p *recProgress) TableStarted(string, int64) {}
func (p *recProgress) Add(string, int64, int64)   {}
func (p *recProgress) TableDone(name string, err error) {
	p.lock()
	defer func() { <-p.mu }()
	if err == nil {
		p.names = append(p.names, name)
	}
}
func (p *recProgress) done() string {
	p.lock()
	defer func() { <-p.mu }()
	names := append([]string(nil), p.names...)
	sortStrings(names)
	return strings.Join(names, ",")
}
