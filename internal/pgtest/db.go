package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DB is a database on a test cluster.
type DB struct {
	Server *Server
	Name   string
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDB creates a fresh UTF8 database from template0, named after the test, and
// drops it when the test ends.
func (s *Server) NewDB(t testing.TB) *DB {
	t.Helper()
	s.mu.Lock()
	s.dbSeq++
	seq := s.dbSeq
	s.mu.Unlock()
	name := unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return s.CreateDB(t, fmt.Sprintf("t%d_%s", seq, strings.Trim(name, "_")))
}

// CreateDB creates database name from template0 and drops it when the test ends.
func (s *Server) CreateDB(t testing.TB, name string) *DB {
	t.Helper()
	db := &DB{Server: s, Name: name}
	admin := &DB{Server: s, Name: "postgres"}
	admin.Exec(t, fmt.Sprintf("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", pgx.Identifier{name}.Sanitize()))
	t.Cleanup(func() { s.DropDB(name) })
	return db
}

// DropDB drops a database, ending its sessions first; errors are ignored because
// the cluster is removed at the end of the run anyway.
func (s *Server) DropDB(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize())
}

// ConnString is the database's keyword/value connection string.
func (d *DB) ConnString() string { return d.Server.ConnString(d.Name) }

// URL is the database's postgres:// URL.
func (d *DB) URL() string { return d.Server.URL(d.Name) }

// Config parses the database's connection string.
func (d *DB) Config(t testing.TB) *pgx.ConnConfig {
	t.Helper()
	cfg, err := pgx.ParseConfig(d.ConnString())
	if err != nil {
		t.Fatalf("pgtest: parse config: %v", err)
	}
	return cfg
}

// Connect opens a connection that is closed when the test ends.
func (d *DB) Connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.ConnString())
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", d.Name, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Exec runs SQL (several statements allowed) with the simple protocol.
func (d *DB) Exec(t testing.TB, sql string) {
	t.Helper()
	if err := d.TryExec(sql); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// TryExec is Exec returning the error.
func (d *DB) TryExec(sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.ConnString())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", d.Name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("exec on %s: %w", d.Name, err)
	}
	return nil
}

// ExecFile runs the SQL of a file.
func (d *DB) ExecFile(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := d.TryExec(string(b)); err != nil {
		t.Fatalf("pgtest: %s: %v", path, err)
	}
}

// QueryString runs a query returning one value and gives it as text.
func (d *DB) QueryString(t testing.TB, sql string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn := d.Connect(t)
	var v any
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("pgtest: query %q on %s: %v", sql, d.Name, err)
	}
	return fmt.Sprint(v)
}

// ClientBin returns the path of an installed client tool (pg_dump, pg_restore,
// psql) or fails t with how to install it.
func ClientBin(t testing.TB, name string) string {
	t.Helper()
	dir, err := ClientBinDir()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	p := filepath.Join(dir, name)
	if !isExec(p) {
		t.Fatalf("pgtest: %s not found in %s (apt-get install postgresql-client)", name, dir)
	}
	return p
}

// RunClient runs an installed client tool against server s and returns its
// combined output; a non-zero exit fails t.
func (s *Server) RunClient(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(ClientBin(t, name), args...)
	cmd.Env = s.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pgtest: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ClientCanDump reports whether the installed pg_dump can dump this server
// (pg_dump refuses servers newer than itself).
func (s *Server) ClientCanDump() bool {
	m := ClientMajor()
	return m != 0 && m >= s.Major
}
