package pgtest

import (
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestClusterPerVersion(t *testing.T) {
	ForEachVersion(t, func(t *testing.T, s *Server) {
		db := s.NewDB(t)
		db.Exec(t, "CREATE TABLE t(a int); INSERT INTO t SELECT generate_series(1,10)")
		if got := db.QueryString(t, "SELECT count(*) FROM t"); got != "10" {
			t.Fatalf("count = %s, want 10", got)
		}
		if s.VersionNum/10000 != s.Major {
			t.Fatalf("server_version_num %d is not major %d", s.VersionNum, s.Major)
		}
		if got := db.QueryString(t, "SELECT current_setting('server_encoding')"); got != "UTF8" {
			t.Fatalf("encoding %s", got)
		}
	})
}

func TestMissingVersionFailsWithHint(t *testing.T) {
	t.Setenv("PGSTOW_PG_BINDIRS", "")
	t.Setenv("PGSTOW_PG_CACHE", t.TempDir())
	_, err := BinDir(11)
	if err == nil || !strings.Contains(err.Error(), "scripts/install-postgres 11") {
		t.Fatalf("BinDir(11) error = %v, want a hint naming scripts/install-postgres", err)
	}
}

func TestSelectedMajorsFromEnv(t *testing.T) {
	t.Setenv("PGSTOW_PG_VERSIONS", "18, 12,15")
	got, err := SelectedMajors()
	if err != nil || len(got) != 3 || got[0] != 12 || got[1] != 15 || got[2] != 18 {
		t.Fatalf("SelectedMajors = %v, %v", got, err)
	}
	t.Setenv("PGSTOW_PG_VERSIONS", "x")
	if _, err := SelectedMajors(); err == nil {
		t.Fatal("want error for PGSTOW_PG_VERSIONS=x")
	}
	_ = os.Getenv
}
