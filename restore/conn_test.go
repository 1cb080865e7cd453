package restore

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgstow/pgstow/internal/pgtest"
)

// killProgress ends every session of the target database when the named table
// starts loading, as a server restart or network failure would; with lockOut
// the database also stops accepting connections.
type killProgress struct {
	table   string
	admin   *pgtest.DB
	db      string
	lockOut bool
	once    sync.Once
	err     error
}

func (k *killProgress) TableStarted(name string, _ int64) {
	if name != k.table {
		return
	}
	k.once.Do(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, k.admin.ConnString())
		if err != nil {
			k.err = err
			return
		}
		defer conn.Close(ctx)
		if k.lockOut {
			if _, k.err = conn.Exec(ctx, "UPDATE pg_database SET datallowconn = false WHERE datname = $1", k.db); k.err != nil {
				return
			}
		}
		_, k.err = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", k.db)
	})
}
func (k *killProgress) Add(string, int64, int64) {}
func (k *killProgress) TableDone(string, error)  {}

func TestRunDroppedConnection(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		admin := &pgtest.DB{Server: s, Name: "postgres"}
		for _, jobs := range []int{1, 3} {
			// Sessions killed: the restore reconnects and retries the steps.
			db := s.NewDB(t)
			db.Exec(t, rolesSQL)
			kp := &killProgress{table: "s1.big", admin: admin, db: db.Name}
			sum, err := Run(testCtx(t), db.Config(t), sampleArchive(true), Options{Jobs: jobs, Progress: kp})
			if kp.err != nil {
				t.Fatal(kp.err)
			}
			if err != nil {
				t.Fatalf("j%d: %v %v", jobs, err, sum.Errors)
			}
			checkSample(t, db)

			// The database gone for good: errors name the entries.
			db2 := s.NewDB(t)
			db2.Exec(t, rolesSQL)
			kp = &killProgress{table: "s1.big", admin: admin, db: db2.Name, lockOut: true}
			sum, err = Run(testCtx(t), db2.Config(t), sampleArchive(true), Options{Jobs: jobs, Progress: kp})
			if kp.err != nil {
				t.Fatal(kp.err)
			}
			if err == nil || len(sum.Errors) == 0 {
				t.Fatalf("j%d: database locked out, yet err %v", jobs, err)
			}
			var ee *EntryError
			found := false
			for _, e := range sum.Errors {
				if errors.As(e, &ee) && ee.Tag == "big" && ee.Desc == "TABLE DATA" && ee.Step == "copy" {
					found = true
				}
			}
			if !found {
				t.Errorf("j%d: no copy error for s1.big in %v", jobs, sum.Errors)
			}
			admin.Exec(t, "UPDATE pg_database SET datallowconn = true WHERE datname = '"+db2.Name+"'")
		}
	})
}
