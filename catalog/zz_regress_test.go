package catalog

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
	"github.com/pgstow/pgstow/internal/regressdb"
)

func TestZZRegress(t *testing.T) {
	if os.Getenv("CATALOG_REGRESS") == "" {
		t.Skip()
	}
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		if !regressdb.Supported(s.Major) {
			t.Skip()
		}
		src := regressdb.Build(t, s)
		c := load(t, src, Options{})
		t.Logf("%d entries", len(c.Entries))
		dst := s.NewDB(t)
		conn := dst.Connect(t)
		ctx := context.Background()
		fails := 0
		for _, e := range c.Entries {
			if e.Create == "" || strings.HasPrefix(e.Create, "--") || e.Desc == "DATABASE" || strings.HasPrefix(e.Tag, "DATABASE ") || e.Desc == "DATABASE PROPERTIES" {
				continue
			}
			sql := e.Create
			if o := ownerSQL(e); o != "" {
				sql += "\n" + o
			}
			if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
				fails++
				if fails < 60 {
					t.Logf("entry %d %s %q: %v", e.ID, e.Desc, e.Tag, err)
				}
			}
		}
		t.Logf("%d failures", fails)
		diffs, _ := pgtest.CompareWith(ctx, src, dst, pgtest.CompareOptions{SkipPgDump: true})
		n := 0
		for _, d := range diffs {
			if d.Kind == pgtest.KindSchema {
				n++
				if n < 40 {
					t.Logf("diff: %s", d.String())
				}
			}
		}
		t.Logf("%d schema diffs", n)
	})
}
