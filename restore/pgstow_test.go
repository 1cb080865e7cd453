package restore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pgstow/pgstow/dump"
	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

// TestPgstowArchives dumps the fixture with pgstow's own dump (tables split into
// small parts, so pgstow's extra member records chunks) and restores it.
func TestPgstowArchives(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		// The oracle's own fixture (every object kind it fingerprints) plus data.
		src := s.NewDB(t)
		src.ExecFile(t, filepath.Join("..", "internal", "pgtest", "testdata", "compare_fixture.sql"))
		src.ExecFile(t, filepath.Join("testdata", "extra.sql"))
		src.ExecFile(t, filepath.Join("testdata", "simple.sql"))
		cases := []struct {
			name   string
			dir    bool
			comp   format.Compression
			jobs   int
			stream bool
		}{
			{"tar", false, format.Compression{}, 4, false},
			{"tar-zstd", false, format.Compression{Algorithm: format.AlgZstd}, 4, false},
			{"tar-zstd-stream", false, format.Compression{Algorithm: format.AlgZstd}, 4, true},
			{"dir-gzip", true, format.Compression{Algorithm: format.AlgGzip}, 3, false},
			{"dir-lz4-serial", true, format.Compression{Algorithm: format.AlgLZ4}, 1, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := testCtx(t)
				path := filepath.Join(t.TempDir(), "archive")
				var w format.Writer
				var err error
				if c.dir {
					w, err = format.CreateDirectory(path, format.WriterOptions{Compression: c.comp})
				} else {
					w, err = format.CreateTar(path, format.WriterOptions{Compression: c.comp, SpoolDir: t.TempDir()})
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := dump.Run(ctx, src.Config(t), w, dump.Options{Jobs: 4, SplitBytes: 256 << 10}); err != nil {
					_ = w.Abort()
					t.Fatalf("dump: %v", err)
				}
				var a format.Archive
				if c.stream {
					f, err := os.Open(path)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					a, err = format.OpenStream(ctx, f)
				} else {
					a, err = format.Open(ctx, path)
				}
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				defer a.Close()
				if !c.stream && s.Major >= 14 {
					chunked := 0
					if x := a.Extra(); x != nil {
						for _, m := range x.Members {
							if len(m.Chunks) > 1 {
								chunked++
							}
						}
					}
					if chunked == 0 {
						t.Errorf("no table stored as chunks; the parallel chunk load is not exercised")
					}
				}
				dst := s.NewDB(t)
				sum, err := Run(ctx, dst.Config(t), a, Options{Jobs: c.jobs})
				if err != nil {
					t.Fatalf("Run: %v\n%v", err, sum.Errors)
				}
				pgtest.AssertSameDB(t, src, dst)
			})
		}

		// A damaged byte in a data member is reported by the restore, naming the entry.
		t.Run("corrupt", func(t *testing.T) {
			ctx := testCtx(t)
			path := filepath.Join(t.TempDir(), "archive")
			w, err := format.CreateDirectory(path, format.WriterOptions{Compression: format.Compression{Algorithm: format.AlgZstd}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dump.Run(ctx, src.Config(t), w, dump.Options{Jobs: 2}); err != nil {
				t.Fatalf("dump: %v", err)
			}
			a, err := format.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			var victim *format.Entry
			for _, e := range a.TOC().Entries {
				if e.Desc == "TABLE DATA" && e.Tag == "movements" {
					victim = e
				}
			}
			a.Close()
			if victim == nil {
				t.Fatal("no TABLE DATA bulk.movements")
			}
			matches, _ := filepath.Glob(filepath.Join(path, fmt.Sprintf("%d.dat*", victim.DumpID)))
			if len(matches) != 1 {
				t.Fatalf("data file of %d: %v", victim.DumpID, matches)
			}
			b, err := os.ReadFile(matches[0])
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x55
			if err := os.WriteFile(matches[0], b, 0o644); err != nil {
				t.Fatal(err)
			}
			a, err = format.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			dst := s.NewDB(t)
			sum, err := Run(ctx, dst.Config(t), a, Options{Jobs: 3})
			var ee *EntryError
			found := false
			for _, e := range sum.Errors {
				if errors.As(e, &ee) && ee.DumpID == victim.DumpID && ee.Step == "read" {
					found = true
				}
			}
			if !errors.Is(err, ErrIgnored) || !found {
				t.Errorf("corrupt member: err %v, errors %v", err, sum.Errors)
			}
		})
	})
}
