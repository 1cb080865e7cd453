package dump

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/pgstow/pgstow/catalog"
	"github.com/pgstow/pgstow/format"
)

// Run dumps the database cfg points at into w and finishes the archive with
// w.Close. On any error it calls w.Abort, so nothing that looks like a finished
// archive remains, and returns the error naming the table and step.
//
// Jobs connections are opened (the leader plus Jobs-1 workers, fewer when there is
// less data work); the leader holds the snapshot and the locks until all data is
// read.
func Run(ctx context.Context, cfg *pgx.ConnConfig, w format.Writer, o Options) (Summary, error) {
	return run(ctx, cfg, w, o, catalog.Load)
}

// loadFunc reads the catalog inside the snapshot; catalog.Load outside tests.
type loadFunc func(ctx context.Context, q catalog.Querier, o catalog.Options) (*catalog.Catalog, error)

func run(ctx context.Context, cfg *pgx.ConnConfig, w format.Writer, o Options, load loadFunc) (sum Summary, err error) {
	o = o.withDefaults()
	start := time.Now()
	if w == nil {
		return sum, errors.New("dump: no archive writer")
	}
	defer func() {
		sum.Elapsed = time.Since(start)
		if err != nil {
			if aerr := w.Abort(); aerr != nil {
				o.Logger.Warn("abort archive", "err", aerr)
			}
			if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
				err = fmt.Errorf("%w: %w", cerr, err)
			}
		}
	}()
	if cfg == nil {
		return sum, errors.New("dump: no connection configuration")
	}

	leader, err := connect(ctx, cfg, o.Role)
	if err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	sessions := []*session{{conn: leader}}
	defer func() { closeSessions(sessions) }()

	standby, err := isStandby(ctx, leader)
	if err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	tx, snapshot, err := beginLeader(ctx, leader, o, standby)
	if err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	sessions[0].tx = tx
	si, err := probe(ctx, tx)
	if err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	o.Logger.Info("snapshot", "id", snapshot, "server_version_num", si.versionNum, "standby", si.standby)

	if o.LockWaitTimeout > 0 {
		if err := setLockTimeout(ctx, tx, o.LockWaitTimeout); err != nil {
			return sum, fmt.Errorf("dump: %w", err)
		}
	}
	// Like pg_dump: list the tables, lock them, then read their definitions. The
	// deparsing functions take locks of their own, and a conflicting lock must fail
	// here, under the lock wait timeout, naming the table.
	first, err := catalog.LockList(ctx, tx, o.Catalog)
	if err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	if err := lockTables(ctx, tx, first, o.LockWaitTimeout); err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	cat, err := load(ctx, tx, o.Catalog)
	if err != nil {
		return sum, fmt.Errorf("dump: read catalog: %w", err)
	}
	// Whatever else the catalog dumps data of (foreign tables aside) is locked too.
	locked := make(map[string]bool, len(first))
	for _, t := range first {
		locked[t] = true
	}
	var rest []string
	for _, t := range tablesToLock(cat) {
		if !locked[t] {
			rest = append(rest, t)
		}
	}
	if err := lockTables(ctx, tx, rest, o.LockWaitTimeout); err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	if o.LockWaitTimeout > 0 {
		if err := setLockTimeout(ctx, tx, 0); err != nil {
			return sum, fmt.Errorf("dump: %w", err)
		}
	}
	// Sizes are read under the locks: pg_relation_size opens the relation, and the
	// parts of a split table are cut from them.
	if err := refreshSizes(ctx, tx, cat); err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}
	if si.standby {
		// A hot standby cannot read unlogged tables; pg_dump leaves out their data
		// there (as --no-unlogged-table-data).
		if err := dropUnloggedData(ctx, tx, cat, o); err != nil {
			return sum, fmt.Errorf("dump: %w", err)
		}
	}
	kinds := "view, foreign-table"
	if hasForeignData(cat) {
		kinds = "view"
	}
	if err := restrictRelationKinds(ctx, leader, kinds); err != nil {
		return sum, fmt.Errorf("dump: %w", err)
	}

	dbName := cat.Database
	if dbName == "" {
		dbName = cfg.Database
	}
	toc := buildTOC(cat, dbName, o.DumpVersion, start)
	v := cat.Server
	if v == 0 {
		v = catalog.Version(si.versionNum)
	}
	tasks, parts := plan(cat, v, si.blockSize, o.SplitBytes)
	if pr, ok := o.Progress.(planReporter); ok {
		var total int64
		for _, t := range tasks {
			total += max(t.est, 0)
		}
		pr.SetTables(int64(len(tasks)))
		pr.SetTotal(total)
	}
	if err := w.Begin(ctx, toc, parts); err != nil {
		return sum, fmt.Errorf("dump: write toc: %w", err)
	}

	if n := min(o.Jobs, len(tasks)) - 1; n > 0 {
		workers, err := openWorkers(ctx, cfg, o.Role, kinds, snapshot, n)
		sessions = append(sessions, workers...)
		if err != nil {
			return sum, fmt.Errorf("dump: %w", err)
		}
	}
	o.Logger.Info("dumping data", "tasks", len(tasks), "connections", len(sessions))
	r := &runner{w: w, progress: o.Progress, logger: o.Logger}
	err = r.run(ctx, sessions, tasks)
	sum.Rows, sum.Bytes = r.rows.Load(), r.bytes.Load()
	if err != nil {
		return sum, err
	}
	for _, e := range cat.Entries {
		if e.Desc == "TABLE DATA" && streamed(e) {
			sum.Tables++
		}
	}
	// All data is read: end the transactions now, so the locks are not held while
	// the writer finishes (a tar writer may still copy spooled parts).
	closeSessions(sessions)
	sessions = nil

	extra := &format.Extra{
		FormatVersion: 1,
		Tool:          o.DumpVersion,
		ServerVersion: cat.ServerVersion,
		Started:       start.UTC(),
		Finished:      time.Now().UTC(),
	}
	if err := w.Close(ctx, extra); err != nil {
		return sum, fmt.Errorf("dump: finish archive: %w", err)
	}
	o.Logger.Info("dump done", "tables", sum.Tables, "rows", sum.Rows, "bytes", sum.Bytes)
	return sum, nil
}

// openWorkers opens n connections that import the snapshot, concurrently.
func openWorkers(ctx context.Context, cfg *pgx.ConnConfig, role, kinds, snapshot string, n int) ([]*session, error) {
	out := make([]*session, n)
	g, gctx := errgroup.WithContext(ctx)
	for i := range n {
		g.Go(func() error {
			s, err := importSnapshot(gctx, cfg, role, kinds, snapshot)
			if err != nil {
				return fmt.Errorf("worker connection %d: %w", i+1, err)
			}
			out[i] = s
			return nil
		})
	}
	err := g.Wait()
	opened := out[:0]
	for _, s := range out {
		if s != nil {
			opened = append(opened, s)
		}
	}
	return opened, err
}

// closeSessions ends the read-only transactions and closes the connections. A
// broken connection (killed backend, cancelled COPY) just closes.
func closeSessions(sessions []*session) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range sessions {
		if s.tx != nil && !s.conn.IsClosed() {
			_ = s.tx.Rollback(ctx)
		}
		_ = s.conn.Close(ctx)
	}
}

// tablesToLock lists the quoted names of the tables whose data is dumped (quoted
// as catalog.LockList quotes them); LockList already covers the tables whose
// definitions are dumped.
func tablesToLock(cat *catalog.Catalog) []string {
	seen := map[uint32]bool{}
	var names []string
	for _, e := range cat.Entries {
		if e.Desc == "TABLE DATA" && e.Data != nil && e.Data.RelKind != 'f' && !seen[e.Data.OID] {
			seen[e.Data.OID] = true
			names = append(names, e.Data.Qualified)
		}
	}
	return names
}

// refreshSizes sets the Bytes of every streamed table to its current size.
func refreshSizes(ctx context.Context, tx pgx.Tx, cat *catalog.Catalog) error {
	byOID := map[uint32][]*catalog.TableData{}
	var oids []uint32
	for _, e := range cat.Entries {
		if e.Desc == "TABLE DATA" && streamed(e) && e.Data.RelKind != 'f' {
			if byOID[e.Data.OID] == nil {
				oids = append(oids, e.Data.OID)
			}
			byOID[e.Data.OID] = append(byOID[e.Data.OID], e.Data)
		}
	}
	if len(oids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, "SELECT t.oid, pg_catalog.pg_relation_size(t.oid) FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS t(oid)", oids)
	if err != nil {
		return fmt.Errorf("table sizes: %w", err)
	}
	var oid uint32
	var size *int64
	_, err = pgx.ForEachRow(rows, []any{&oid, &size}, func() error {
		if size != nil {
			for _, td := range byOID[oid] {
				td.Bytes = *size
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("table sizes: %w", err)
	}
	return nil
}

func hasForeignData(cat *catalog.Catalog) bool {
	for _, e := range cat.Entries {
		if e.Desc == "TABLE DATA" && e.Data != nil && e.Data.RelKind == 'f' {
			return true
		}
	}
	return false
}

// dropUnloggedData removes the TABLE DATA entries of unlogged tables (and
// dependencies on them) from cat.
func dropUnloggedData(ctx context.Context, tx pgx.Tx, cat *catalog.Catalog, o Options) error {
	var oids []uint32
	for _, e := range cat.Entries {
		if e.Desc == "TABLE DATA" && e.Data != nil {
			oids = append(oids, e.Data.OID)
		}
	}
	if len(oids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, "SELECT oid FROM pg_catalog.pg_class WHERE relpersistence = 'u' AND oid = ANY($1::pg_catalog.oid[])", oids)
	if err != nil {
		return fmt.Errorf("list unlogged tables: %w", err)
	}
	unlogged, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		return fmt.Errorf("list unlogged tables: %w", err)
	}
	if len(unlogged) == 0 {
		return nil
	}
	skip := map[uint32]bool{}
	for _, oid := range unlogged {
		skip[oid] = true
	}
	dropped := map[int]bool{}
	kept := cat.Entries[:0]
	for _, e := range cat.Entries {
		if e.Desc == "TABLE DATA" && e.Data != nil && skip[e.Data.OID] {
			dropped[e.ID] = true
			o.Logger.Info("hot standby: leaving out data of unlogged table", "table", e.Data.Qualified)
			continue
		}
		kept = append(kept, e)
	}
	cat.Entries = kept
	for _, e := range cat.Entries {
		deps := e.Deps[:0]
		for _, d := range e.Deps {
			if !dropped[d] {
				deps = append(deps, d)
			}
		}
		e.Deps = deps
	}
	return nil
}
