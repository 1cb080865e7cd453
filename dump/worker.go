package dump

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/pgstow/pgstow/catalog"
	"github.com/pgstow/pgstow/format"
)

// task is one unit of data work: one part of a table, or all large objects.
type task struct {
	entry       *catalog.Entry
	name        string // for progress and errors: `"s"."t"`, `"s"."t" part 2/4`
	part, parts int    // index and count of the table's parts
	rng         blockRange
	est         int64 // estimated bytes, for largest-first scheduling
}

// errorf names the task and step in an error, as `dump table "s"."t" part 2/4: copy: …`.
func (t *task) errorf(step string, err error) error {
	if t.entry.Desc == "BLOBS" {
		return fmt.Errorf("dump large objects: %s: %w", step, err)
	}
	if t.parts > 1 {
		return fmt.Errorf("dump table %s part %d/%d: %s: %w", t.entry.Data.Qualified, t.part+1, t.parts, step, err)
	}
	return fmt.Errorf("dump table %s: %s: %w", t.entry.Data.Qualified, step, err)
}

// plan turns the streamed entries into tasks, largest first, and says how many
// parts each split table's data member has. Large objects go first: their size is
// unknown and they are read in many small queries, so they should not be the
// straggler at the end.
func plan(cat *catalog.Catalog, v catalog.Version, blockSize, splitBytes int64) ([]*task, map[int]int) {
	var tasks []*task
	parts := map[int]int{}
	for _, e := range cat.Entries {
		if !streamed(e) {
			continue
		}
		if e.Desc == "BLOBS" {
			tasks = append(tasks, &task{entry: e, name: "large objects", parts: 1, est: -1})
			continue
		}
		td := e.Data
		ranges := []blockRange{{0, 0}}
		if hasTidRangeScan(v) && td.RelKind != 'f' {
			ranges = splitBlocks(tablePages(td, blockSize), blockSize, splitBytes)
		}
		n := len(ranges)
		if n > 1 {
			parts[e.ID] = n
		}
		for i, r := range ranges {
			t := &task{entry: e, name: td.Qualified, part: i, parts: n, rng: r, est: max(td.Bytes, 0) / int64(n)}
			if n > 1 {
				t.name = fmt.Sprintf("%s part %d/%d", td.Qualified, i+1, n)
			}
			tasks = append(tasks, t)
		}
	}
	// Stable, so the parts of one table stay in order: part 0 first lets the tar
	// writer stream it instead of spooling it.
	sort.SliceStable(tasks, func(i, j int) bool {
		if (tasks[i].est < 0) != (tasks[j].est < 0) {
			return tasks[i].est < 0
		}
		return tasks[i].est > tasks[j].est
	})
	return tasks, parts
}

// runner executes tasks and counts what they moved.
type runner struct {
	w        format.Writer
	progress Progress
	logger   *slog.Logger
	rows     atomic.Int64
	bytes    atomic.Int64
}

// run feeds tasks to one worker per session until all are done or one fails; the
// first error cancels the others and is returned.
func (r *runner) run(ctx context.Context, sessions []*session, tasks []*task) error {
	g, gctx := errgroup.WithContext(ctx)
	ch := make(chan *task)
	g.Go(func() error {
		defer close(ch)
		for _, t := range tasks {
			select {
			case ch <- t:
			case <-gctx.Done():
				return nil // the failing worker's error (or ctx's) is the one to report
			}
		}
		return nil
	})
	for _, s := range sessions {
		g.Go(func() error {
			for t := range ch {
				if err := gctx.Err(); err != nil {
					return t.errorf("start", err)
				}
				if err := r.runTask(gctx, s.conn, t); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

func (r *runner) runTask(ctx context.Context, conn *pgx.Conn, t *task) (err error) {
	r.progress.TableStarted(t.name, max(t.est, 0))
	start := time.Now()
	defer func() {
		r.progress.TableDone(t.name, err)
		r.logger.Debug("dumped", "item", t.name, "elapsed", time.Since(start), "err", err)
	}()
	if t.entry.Desc == "BLOBS" {
		return r.dumpBlobs(ctx, conn, t)
	}
	return r.copyPart(ctx, conn, t)
}

// copyBufSize batches the one-row CopyData messages into larger writes to the
// archive part and to Progress.
const copyBufSize = 64 << 10

func (r *runner) copyPart(ctx context.Context, conn *pgx.Conn, t *task) error {
	pw, err := r.w.Part(ctx, t.entry.ID, t.part)
	if err != nil {
		return t.errorf("open archive part", err)
	}
	cw := &countingWriter{w: pw, r: r, name: t.name}
	bw := bufio.NewWriterSize(cw, copyBufSize)
	sql := copySQL(t.entry.Data, t.rng, t.parts > 1)
	rows, err := copyOut(ctx, conn.PgConn(), sql, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		pw.Abort()
		return t.errorf("copy", err)
	}
	if err := pw.Commit(rows); err != nil {
		return t.errorf("commit archive part", err)
	}
	r.rows.Add(rows)
	r.progress.Add(t.name, 0, rows)
	return nil
}

// loChunk is how much of a large object one lo_get call reads.
const loChunk = 256 << 10

// dumpBlobs reads every large object of the BLOBS entry with lo_get, which needs
// only SELECT on the object (pg_largeobject itself is readable by superusers only)
// and reads through the transaction snapshot like any query.
func (r *runner) dumpBlobs(ctx context.Context, conn *pgx.Conn, t *task) error {
	bw, err := r.w.Blobs(ctx, t.entry.ID)
	if err != nil {
		return t.errorf("open archive blobs", err)
	}
	var buf []byte
	for _, oid := range t.entry.Blobs {
		wc, err := bw.Blob(oid)
		if err != nil {
			return t.errorf(fmt.Sprintf("large object %d: open archive member", oid), err)
		}
		cw := &countingWriter{w: wc, r: r, name: t.name}
		for off := int64(0); ; {
			buf = buf[:0]
			if err := conn.QueryRow(ctx, "SELECT pg_catalog.lo_get($1, $2, $3)", oid, off, int32(loChunk)).Scan(&buf); err != nil {
				return t.errorf(fmt.Sprintf("large object %d: read", oid), err)
			}
			if _, err := cw.Write(buf); err != nil {
				return t.errorf(fmt.Sprintf("large object %d: write", oid), err)
			}
			off += int64(len(buf))
			if len(buf) < loChunk {
				break
			}
		}
		if err := wc.Close(); err != nil {
			return t.errorf(fmt.Sprintf("large object %d: close archive member", oid), err)
		}
	}
	if err := bw.Close(); err != nil {
		return t.errorf("close archive blobs", err)
	}
	return nil
}

// countingWriter counts bytes for the Summary and Progress.
type countingWriter struct {
	w    io.Writer
	r    *runner
	name string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if n > 0 {
		c.r.bytes.Add(int64(n))
		c.r.progress.Add(c.name, int64(n), 0)
	}
	return n, err
}
