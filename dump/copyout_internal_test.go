package dump

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// copyOut must produce exactly what pgconn's CopyTo does, for rows larger than its
// read buffer too, and keep the connection usable after a clean end or a server
// error.
func TestCopyOutEqualsCopyTo(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, `CREATE TABLE t (id int, s text);
			INSERT INTO t SELECT g, repeat(md5(g::text), g % 50) FROM generate_series(1, 50000) g;
			INSERT INTO t VALUES (0, repeat('x', 3000000)), (-1, E'tab\there\nnl \\ bs'), (-2, NULL)`)
		ctx := context.Background()
		conn := db.Connect(t)
		for _, sql := range []string{"COPY t TO STDOUT", "COPY (SELECT * FROM t WHERE id < 0) TO STDOUT", "COPY (SELECT * FROM t WHERE false) TO STDOUT"} {
			want := referenceCopy(t, db, sql)
			var got bytes.Buffer
			rows, err := copyOut(ctx, conn.PgConn(), sql, &got)
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s: %d bytes, pgconn CopyTo gave %d", sql, got.Len(), len(want))
			}
			if wantRows := int64(bytes.Count(want, []byte("\n"))); rows != wantRows {
				t.Errorf("%s: %d rows, want %d", sql, rows, wantRows)
			}
		}
		// A server error is returned as such and the connection stays in sync.
		_, err := copyOut(ctx, conn.PgConn(), "COPY (SELECT 1/(id - 25000) FROM t) TO STDOUT", &bytes.Buffer{})
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "22012" {
			t.Fatalf("division by zero: got %v", err)
		}
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 50003 {
			t.Fatalf("connection after the error: %d, %v", n, err)
		}
		// A cancelled context stops the COPY promptly and closes the connection.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = copyOut(cctx, conn.PgConn(), "COPY t TO STDOUT", &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("cancelled: got %v", err)
		}
	})
}
