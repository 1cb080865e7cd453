package restore

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

var restrictKeys = regexp.MustCompile(`(?m)^(\\(?:un)?restrict )[A-Za-z0-9]+$`)

// fixtureDB creates a source database with the oracle's fixture plus this
// package's bulk data.
func fixtureDB(t *testing.T, s *pgtest.Server) *pgtest.DB {
	t.Helper()
	src := s.NewDB(t)
	src.ExecFile(t, filepath.Join("..", "internal", "pgtest", "testdata", "compare_fixture.sql"))
	src.ExecFile(t, filepath.Join("testdata", "extra.sql"))
	src.ExecFile(t, filepath.Join("testdata", "event.sql"))
	return src
}

func pgDump(t *testing.T, s *pgtest.Server, src *pgtest.DB, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "archive")
	s.RunClient(t, "pg_dump", append([]string{"-d", src.ConnString(), "-f", out}, args...)...)
	return out
}

func TestPgDumpArchives(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		if !s.ClientCanDump() {
			t.Skipf("pg_dump %d cannot dump a PostgreSQL %d server; restoring pg_dump archives is tested on the majors it can dump", pgtest.ClientMajor(), s.Major)
		}
		src := fixtureDB(t, s)
		cases := []struct {
			name   string
			args   []string
			jobs   int
			stream bool
		}{
			{"tar", []string{"-Ft"}, 4, false},
			{"tar-stream", []string{"-Ft"}, 4, true},
			{"directory", []string{"-Fd"}, 4, false},
			{"directory-j2", []string{"-Fd", "-j2"}, 3, false},
			{"custom", []string{"-Fc"}, 4, false},
			{"custom-serial", []string{"-Fc"}, 1, false},
			{"custom-stream", []string{"-Fc"}, 2, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := testCtx(t)
				path := pgDump(t, s, src, c.args...)
				var a format.Archive
				var err error
				if c.stream {
					f, ferr := os.Open(path)
					if ferr != nil {
						t.Fatal(ferr)
					}
					defer f.Close()
					a, err = format.OpenStream(ctx, f)
				} else {
					a, err = format.Open(ctx, path)
				}
				if err != nil {
					t.Fatalf("open %s: %v", c.name, err)
				}
				defer a.Close()
				dst := s.NewDB(t)
				sum, err := Run(ctx, dst.Config(t), a, Options{Jobs: c.jobs})
				if err != nil {
					t.Fatalf("Run: %v\n%v", err, sum.Errors)
				}
				if sum.Tables < 10 || sum.Rows < 80000 {
					t.Errorf("summary %+v", sum)
				}
				pgtest.AssertSameDB(t, src, dst)
			})
		}

		t.Run("script", func(t *testing.T) {
			ctx := testCtx(t)
			archivePath := pgDump(t, s, src, "-Fd")
			a, err := format.Open(ctx, archivePath)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			path := filepath.Join(t.TempDir(), "restore.sql")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteScript(ctx, f, a, Options{}); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			dst := s.NewDB(t)
			runPsql(t, dst, path)
			pgtest.AssertSameDB(t, src, dst)

			// The text itself matches pg_restore -f, up to the random key.
			ref := filepath.Join(t.TempDir(), "pg_restore.sql")
			s.RunClient(t, "pg_restore", "-f", ref, archivePath)
			want, _ := os.ReadFile(ref)
			got, _ := os.ReadFile(path)
			norm := func(b []byte) []string {
				return strings.Split(restrictKeys.ReplaceAllString(string(b), "${1}KEY"), "\n")
			}
			w, g := norm(want), norm(got)
			for i := 0; i < len(w) || i < len(g); i++ {
				if i >= len(w) || i >= len(g) || w[i] != g[i] {
					lw, lg := "<end>", "<end>"
					if i < len(w) {
						lw = w[i]
					}
					if i < len(g) {
						lg = g[i]
					}
					t.Errorf("script differs from pg_restore -f at line %d:\n pg_restore: %q\n pgstow:     %q", i+1, lw, lg)
					break
				}
			}
		})

		t.Run("clean-no-owner", func(t *testing.T) {
			ctx := testCtx(t)
			a, err := format.Open(ctx, pgDump(t, s, src, "-Fc"))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			dst := s.NewDB(t)
			for i := 0; i < 2; i++ {
				sum, err := Run(ctx, dst.Config(t), a, Options{Jobs: 4, Clean: true, IfExists: true, NoOwner: true})
				if err != nil {
					t.Fatalf("run %d: %v\n%v", i, err, sum.Errors)
				}
				if i == 0 {
					// DEFAULT ACL entries have no drop statement, so (as with
					// pg_restore --clean) the first run's default privileges would
					// apply to the tables the second run creates.
					dst.Exec(t, "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM pgstow_cmp_reader")
				}
			}
			pgtest.AssertSameDBWith(t, src, dst, pgtest.CompareOptions{IgnoreOwner: true})
		})
	})
}

// TestPgDumpCrossVersion restores a pg_dump archive of the oldest selected
// server into the newest one.
func TestPgDumpCrossVersion(t *testing.T) {
	majors := pgtest.Majors(t)
	lo, hi := majors[0], majors[0]
	for _, m := range majors {
		lo, hi = min(lo, m), max(hi, m)
	}
	if lo == hi {
		t.Skip("needs two selected majors (PGSTOW_PG_VERSIONS)")
	}
	from, to := pgtest.Start(t, lo), pgtest.Start(t, hi)
	if !from.ClientCanDump() {
		t.Skipf("pg_dump %d cannot dump PostgreSQL %d", pgtest.ClientMajor(), lo)
	}
	src := fixtureDB(t, from)
	ctx := testCtx(t)
	a, err := format.Open(ctx, pgDump(t, from, src, "-Fd", "-Z0"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	dst := to.NewDB(t)
	// Roles are per cluster: the fixture's role must exist on the target too.
	dst.Exec(t, `DO $$ BEGIN CREATE ROLE pgstow_cmp_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
	sum, err := Run(ctx, dst.Config(t), a, Options{Jobs: 4})
	if err != nil {
		t.Fatalf("restore %d -> %d: %v\n%v", lo, hi, err, sum.Errors)
	}
	pgtest.AssertSameDB(t, src, dst)
}
