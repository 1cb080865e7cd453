package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/sync/errgroup"
)

// The ceiling is raw COPY with no archive: COPY TO into a discarding sink, and COPY
// FROM of the same data plus the post-data section (indexes, constraints) run on the
// same connections. It runs as a child process (this executable with
// ceilingChildArg) so its wall time and peak RSS are measured like the tools'.

const ceilingChildArg = "ceiling-child"

// splitBlocks: tables of at least this many blocks (8 MB) are split into ctid ranges,
// one per job.
const splitBlocks = 1024

// chunk is one COPY stream: a whole table or a ctid range of it.
type chunk struct {
	Table string   `json:"table"`
	Where string   `json:"where,omitempty"`
	Files []string `json:"files"` // its saved COPY text; a merged whole table has several
}

func (k chunk) copyTo() string {
	if k.Where == "" {
		return "COPY " + k.Table + " TO STDOUT"
	}
	return "COPY (SELECT * FROM " + k.Table + " WHERE " + k.Where + ") TO STDOUT"
}

// prepareCeiling writes the ceiling's inputs under work/ceiling: every chunk's COPY
// text, the schema's pre-data and post-data SQL, and chunks.json. It returns the
// bytes of COPY text of the whole database, the denominator of every MB/s.
func prepareCeiling(ctx context.Context, e *env, tables []tableInfo) (int64, error) {
	dir := filepath.Join(e.work, "ceiling")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var chunks []chunk
	for _, t := range tables {
		parts := int64(1)
		if t.blocks >= splitBlocks {
			parts = int64(e.jobs)
		}
		for p := int64(0); p < parts; p++ {
			k := chunk{Table: t.name, Files: []string{filepath.Join(dir, fmt.Sprintf("%d.copy", len(chunks)))}}
			from, to := t.blocks*p/parts, t.blocks*(p+1)/parts
			switch {
			case parts == 1:
			case p == parts-1: // open-ended: rows beyond the last counted block
				k.Where = fmt.Sprintf("ctid >= '(%d,0)'", from)
			default:
				k.Where = fmt.Sprintf("ctid >= '(%d,0)' AND ctid < '(%d,0)'", from, to)
			}
			chunks = append(chunks, k)
		}
	}
	conn, err := pgconn.Connect(ctx, e.c.connString(e.src))
	if err != nil {
		return 0, fmt.Errorf("ceiling: connect: %w", err)
	}
	defer conn.Close(ctx)
	var total int64
	for _, k := range chunks {
		n, err := copyToFile(ctx, conn, k)
		if err != nil {
			return 0, err
		}
		total += n
	}
	spec, _ := json.Marshal(chunks)
	if err := os.WriteFile(filepath.Join(dir, "chunks.json"), spec, 0o644); err != nil {
		return 0, err
	}
	for _, section := range []string{"pre-data", "post-data"} {
		cmd := exec.CommandContext(ctx, filepath.Join(e.pgbin, "pg_dump"), "-d", e.c.connString(e.src),
			"--schema-only", "--section="+section, "-f", filepath.Join(dir, section+".sql"))
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("ceiling: pg_dump --section=%s: %w: %s", section, err, out)
		}
	}
	return total, nil
}

func copyToFile(ctx context.Context, conn *pgconn.PgConn, k chunk) (int64, error) {
	f, err := os.Create(k.Files[0])
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, err = conn.CopyTo(ctx, w, k.copyTo())
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("ceiling: copy %s to %s: %w", k.Table, k.Files[0], err)
	}
	info, err := os.Stat(k.Files[0])
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// countingDiscard is the COPY TO sink: it keeps only the byte count.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// ceilingChild runs the ceiling: args are the mode, jobs, connection string, the
// directory prepareCeiling wrote and the directory of psql. It prints the bytes
// copied. Modes: "to" (COPY TO, ctid ranges of big tables; whole tables with one
// job), "from" (COPY FROM in the same ranges) and "from-whole" (COPY FROM of whole
// tables, each truncated in its COPY's transaction).
func ceilingChild(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 5 {
		return fmt.Errorf("usage: %s to|from|from-whole JOBS CONNSTRING DIR PGBIN", ceilingChildArg)
	}
	mode, connString, dir, pgbin := args[0], args[2], args[3], args[4]
	jobs, err := strconv.Atoi(args[1])
	if err != nil || jobs < 1 {
		return fmt.Errorf("jobs %q: want a positive number", args[1])
	}
	spec, err := os.ReadFile(filepath.Join(dir, "chunks.json"))
	if err != nil {
		return err
	}
	var chunks []chunk
	if err := json.Unmarshal(spec, &chunks); err != nil {
		return fmt.Errorf("%s/chunks.json: %w", dir, err)
	}
	switch {
	case mode == "to" && jobs == 1, mode == "from-whole":
		chunks = wholeTables(chunks) // a plain COPY of a table is cheaper than ctid ranges
	case mode == "to", mode == "from":
	default:
		return fmt.Errorf("mode %q: want to, from or from-whole", mode)
	}
	if mode != "to" {
		// The schema first, in one session, as a restore would.
		psql := exec.CommandContext(ctx, filepath.Join(pgbin, "psql"),
			"-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", connString, "-f", filepath.Join(dir, "pre-data.sql"))
		if out, err := psql.CombinedOutput(); err != nil {
			return fmt.Errorf("psql pre-data.sql: %w: %s", err, out)
		}
	}
	conns := make([]*pgconn.PgConn, jobs)
	for i := range conns {
		if conns[i], err = pgconn.Connect(ctx, connString); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		defer conns[i].Close(ctx)
	}
	counts := make([]int64, jobs)
	err = parallel(ctx, conns, chunks, func(ctx context.Context, conn *pgconn.PgConn, w int, k chunk) error {
		if mode == "to" {
			sink := &countingDiscard{}
			if _, err := conn.CopyTo(ctx, sink, k.copyTo()); err != nil {
				return fmt.Errorf("copy %s to stdout: %w", k.Table, err)
			}
			counts[w] += sink.n
			return nil
		}
		var readers []io.Reader
		for _, name := range k.Files {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			info, err := f.Stat()
			if err != nil {
				return err
			}
			counts[w] += info.Size()
			readers = append(readers, f)
		}
		// A whole table is loaded as pg_restore -j does it: truncated in the COPY's
		// transaction, so that wal_level=minimal skips its WAL. The ranges of a split
		// table share it and cannot.
		sql := "COPY " + k.Table + " FROM STDIN"
		if k.Where == "" {
			if _, err := conn.Exec(ctx, "BEGIN; TRUNCATE TABLE ONLY "+k.Table).ReadAll(); err != nil {
				return fmt.Errorf("truncate %s: %w", k.Table, err)
			}
		}
		if _, err := conn.CopyFrom(ctx, bufio.NewReaderSize(io.MultiReader(readers...), 1<<20), sql); err != nil {
			return fmt.Errorf("copy %s from %s: %w", k.Table, strings.Join(k.Files, ", "), err)
		}
		if k.Where == "" {
			if _, err := conn.Exec(ctx, "COMMIT").ReadAll(); err != nil {
				return fmt.Errorf("commit %s: %w", k.Table, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if mode != "to" {
		if err := postData(ctx, conns, filepath.Join(dir, "post-data.sql")); err != nil {
			return err
		}
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	fmt.Fprintln(stdout, total)
	return nil
}

// wholeTables merges the ctid ranges of each table into one whole-table chunk.
func wholeTables(chunks []chunk) []chunk {
	var whole []chunk
	for i, k := range chunks {
		if i > 0 && k.Table == chunks[i-1].Table {
			last := &whole[len(whole)-1]
			last.Files = append(last.Files, k.Files...)
			continue
		}
		whole = append(whole, chunk{Table: k.Table, Files: append([]string(nil), k.Files...)})
	}
	return whole
}

// postData runs the post-data statements on the connections: first everything but
// foreign keys (indexes, primary keys, unique constraints), then the foreign keys.
func postData(ctx context.Context, conns []*pgconn.PgConn, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	setup, stmts := splitSQL(string(b))
	for _, conn := range conns {
		for _, s := range setup {
			if _, err := conn.Exec(ctx, s).ReadAll(); err != nil {
				return fmt.Errorf("post-data %q: %w", s, err)
			}
		}
	}
	var first, fks []string
	for _, s := range stmts {
		if strings.Contains(s, "FOREIGN KEY") {
			fks = append(fks, s)
		} else {
			first = append(first, s)
		}
	}
	exec := func(ctx context.Context, conn *pgconn.PgConn, _ int, s string) error {
		if _, err := conn.Exec(ctx, s).ReadAll(); err != nil {
			return fmt.Errorf("post-data %q: %w", s, err)
		}
		return nil
	}
	if err := parallel(ctx, conns, first, exec); err != nil {
		return err
	}
	return parallel(ctx, conns, fks, exec)
}

// splitSQL splits pg_dump's plain output into session settings and statements. It
// relies on pg_dump ending every statement with ";\n" and on the benchmark's schemas
// having no function bodies in the post-data section.
func splitSQL(s string) (setup, stmts []string) {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "--") || strings.HasPrefix(line, `\`) {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	for _, st := range strings.Split(b.String(), ";\n") {
		st = strings.TrimSpace(st)
		switch {
		case st == "":
		case strings.HasPrefix(st, "SET ") || strings.HasPrefix(st, "SELECT pg_catalog.set_config"):
			setup = append(setup, st)
		default:
			stmts = append(stmts, st)
		}
	}
	return setup, stmts
}

// parallel hands the items to one goroutine per connection, in order.
func parallel[T any](ctx context.Context, conns []*pgconn.PgConn, items []T,
	fn func(ctx context.Context, conn *pgconn.PgConn, worker int, item T) error) error {
	next := make(chan T)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(next)
		for _, it := range items {
			select {
			case next <- it:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for w, conn := range conns {
		g.Go(func() error {
			for it := range next {
				if err := fn(ctx, conn, w, it); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
