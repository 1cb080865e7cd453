package restore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pgstow/pgstow/format"
)

// countingReader reports bytes read to the progress sink and the summary.
//
// pgconn's CopyFrom reads its source in a goroutine that it does not always wait
// for when the connection fails; detach waits for a Read in progress and makes
// later ones fail, so the archive reader can be closed safely afterwards.
type countingReader struct {
	mu       sync.Mutex
	r        io.Reader
	r0       *restorer
	name     string
	n        int64
	err      error // the first read error other than io.EOF
	detached bool
}

var errDetached = errors.New("copy source closed")

func (c *countingReader) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.detached {
		return 0, errDetached
	}
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		c.r0.prog.Add(c.name, int64(n), 0)
	}
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// detach stops further reads and returns the bytes read and the read error.
func (c *countingReader) detach() (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.detached = true
	return c.n, c.err
}

// freezeTable reports whether e may be loaded with TRUNCATE + COPY FREEZE: its
// table was created by this run, e is the table's only TABLE DATA entry and its
// COPY loads that very table.
func (r *restorer) freezeTable(e *format.Entry) bool {
	if len(e.Deps) == 0 || !freezeEligible(e) {
		return false
	}
	t := e.Deps[0]
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.created[t] && len(r.tableData[t]) == 1
}

// loadTable loads the data of a TABLE DATA entry (chunk < 0: all of it).
func (r *restorer) loadTable(ctx context.Context, s *session, e *format.Entry, chunk int) error {
	name := qualifiedName(e)
	if chunk < 0 {
		r.prog.TableStarted(name, r.sizes[e.DumpID])
	}
	rows, err := r.copyData(ctx, s, e, chunk, name)
	if chunk < 0 {
		r.prog.TableDone(name, err)
		if err == nil {
			r.mu.Lock()
			r.sum.Tables++
			r.mu.Unlock()
		}
	}
	if err == nil {
		r.prog.Add(name, 0, rows)
	}
	return err
}

func (r *restorer) copyData(ctx context.Context, s *session, e *format.Entry, chunk int, name string) (int64, error) {
	var (
		rc  io.ReadCloser
		err error
	)
	if chunk >= 0 {
		rc, err = r.a.OpenChunk(ctx, e, chunk)
	} else {
		rc, err = r.a.OpenData(ctx, e)
	}
	if err != nil {
		return 0, entryErr(e, "read", err)
	}
	defer rc.Close()
	cr := &countingReader{r: rc, r0: r, name: name}
	defer func() { // before rc.Close
		n, _ := cr.detach()
		r.mu.Lock()
		r.sum.Bytes += n
		r.mu.Unlock()
	}()

	if settings := r.entrySettings(s, e); settings != "" {
		if err := s.exec(ctx, settings); err != nil {
			return 0, entryErr(e, "copy", err)
		}
	}
	if e.CopyStmt == "" {
		// --inserts archive: the data is SQL.
		b, err := io.ReadAll(cr)
		if err != nil {
			return 0, entryErr(e, "read", err)
		}
		if err := s.exec(ctx, string(b)); err != nil {
			return 0, entryErr(e, "insert", err)
		}
		return 0, nil
	}

	copySQL := strings.TrimRight(e.CopyStmt, "\n")
	var pre, post []string
	inTx := r.o.SingleTransaction
	if chunk < 0 && r.freezeTable(e) {
		if !inTx {
			pre = append(pre, "BEGIN", "TRUNCATE TABLE ONLY "+quoteQualified(e.Namespace, e.Tag))
		}
		copySQL = freezeCopy(e.CopyStmt)
	}
	if r.o.DataOnly && r.o.DisableTriggers {
		t := quoteQualified(e.Namespace, e.Tag)
		if !inTx && len(pre) == 0 {
			pre = append(pre, "BEGIN")
		}
		pre = append(pre, "ALTER TABLE ONLY "+t+" DISABLE TRIGGER ALL")
		post = append(post, "ALTER TABLE ONLY "+t+" ENABLE TRIGGER ALL")
	}
	txOpen := len(pre) > 0 && pre[0] == "BEGIN"
	if txOpen {
		post = append(post, "COMMIT")
	}
	abort := func(step string, err error) (int64, error) {
		if txOpen && !s.conn.IsClosed() {
			_ = s.exec(context.Background(), "ROLLBACK")
		}
		return 0, entryErr(e, step, err)
	}
	if len(pre) > 0 {
		if err := s.exec(ctx, strings.Join(pre, ";\n")+";"); err != nil {
			return abort("copy", err)
		}
	}
	tag, err := s.conn.PgConn().CopyFrom(ctx, bufio.NewReaderSize(cr, 256<<10), copySQL)
	if err != nil {
		if _, rerr := cr.detach(); rerr != nil {
			// The archive failed; the server only saw the COPY cancelled.
			return abort("read", rerr)
		}
		return abort("copy", err)
	}
	if len(post) > 0 {
		if err := s.exec(ctx, strings.Join(post, ";\n")+";"); err != nil {
			return abort("copy", err)
		}
	}
	rows := tag.RowsAffected()
	r.mu.Lock()
	r.sum.Rows += rows
	r.mu.Unlock()
	return rows, nil
}

// loadBlobs writes the large objects of a BLOBS entry; they were created by the
// BLOB / BLOB METADATA entries. One transaction for the whole entry.
func (r *restorer) loadBlobs(ctx context.Context, s *session, e *format.Entry) (err error) {
	br, err := r.a.OpenBlobs(ctx, e)
	if err != nil {
		return err
	}
	defer br.Close()
	if !r.o.SingleTransaction {
		if err := s.exec(ctx, "BEGIN"); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				if !s.conn.IsClosed() {
					_ = s.exec(context.Background(), "ROLLBACK")
				}
				return
			}
			err = s.exec(ctx, "COMMIT")
		}()
	}
	buf := make([]byte, 1<<20)
	for {
		oid, data, err := br.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var fd int32
		if err := s.conn.QueryRow(ctx, "SELECT pg_catalog.lo_open($1::pg_catalog.oid, 131072)", oid).Scan(&fd); err != nil {
			return fmt.Errorf("large object %d: open: %w", oid, err)
		}
		for {
			n, rerr := io.ReadFull(data, buf)
			if n > 0 {
				var w int32
				if err := s.conn.QueryRow(ctx, "SELECT pg_catalog.lowrite($1, $2)", fd, buf[:n]).Scan(&w); err != nil {
					return fmt.Errorf("large object %d: write: %w", oid, err)
				}
				if int(w) != n {
					return fmt.Errorf("large object %d: short write", oid)
				}
				r.mu.Lock()
				r.sum.Bytes += int64(n)
				r.mu.Unlock()
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				return fmt.Errorf("large object %d: read: %w", oid, rerr)
			}
		}
		if err := s.conn.QueryRow(ctx, "SELECT pg_catalog.lo_close($1)", fd).Scan(new(int32)); err != nil {
			return fmt.Errorf("large object %d: close: %w", oid, err)
		}
	}
}
