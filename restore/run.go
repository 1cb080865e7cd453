package restore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgstow/pgstow/format"
)

// restorer holds the state of one Run.
type restorer struct {
	a      format.Archive
	toc    *format.TOC
	o      Options
	set    settings
	log    *slog.Logger
	prog   Progress
	live   bool // restoring into a server (not writing a script)
	jobs   []*job
	cancel context.CancelCauseFunc

	byID      map[int]*format.Entry
	members   map[int]*format.Member // pgstow extra members by dumpId
	sizes     map[int]int64          // estimated data size by dumpId
	tableData map[int][]int          // table dumpId -> its TABLE DATA dumpIds

	mu        sync.Mutex
	serverNum int          // server_version_num of the target, set by the first connect
	created   map[int]bool // TABLE dumpIds created by this run
	sum       Summary
}

// Run restores archive a into the database cfg names, like pg_restore -d.
//
// Order: with Create, the DATABASE entry runs on the initial connection and Run
// reconnects to the new database; with Clean, drop statements run in reverse
// order; pre-data entries then run serially in archive order on one connection;
// table data loads on o.Jobs connections, largest first (a table this run created
// is loaded as BEGIN; TRUNCATE ONLY; COPY ... WITH (FREEZE); COMMIT, and a pgstow
// table recorded as several chunks is loaded by several connections at once);
// post-data entries run in parallel as their dependencies allow (indexes first,
// then constraints, foreign keys last; entries other than indexes never run
// concurrently on the same table), followed by the ACL pass and the post-ACL
// pass (event triggers, materialized view refreshes). With Jobs <= 1 everything
// runs in archive order on one connection; from a Sequential archive the data is
// loaded serially in archive order.
//
// Errors: like pg_restore, by default a failing entry is recorded and the restore
// goes on (later objects are often independent of the failed one, and a partial
// restore with a full error list is more useful than one stopped at the first
// problem); Run then returns an error wrapping ErrIgnored and Summary.Errors lists
// every failure as an *EntryError naming the TOC entry and the step. With
// o.ExitOnError (implied by SingleTransaction) the first error stops the restore
// and is returned.
func Run(ctx context.Context, cfg *pgx.ConnConfig, a format.Archive, o Options) (Summary, error) {
	start := time.Now()
	if cfg == nil || a == nil || a.TOC() == nil {
		return Summary{}, errors.New("restore: no connection config or archive")
	}
	if o.SingleTransaction && o.Create {
		return Summary{}, errors.New("restore: --create and --single-transaction cannot be used together")
	}
	if err := checkOptions(&o); err != nil {
		return Summary{}, err
	}
	r, err := newRestorer(a, o)
	if err != nil {
		return Summary{}, err
	}
	r.live = true
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.cancel = cancel
	err = r.run(ctx, cfg)
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	r.mu.Lock()
	sum := r.sum
	sum.Errors = slices0(r.sum.Errors)
	r.mu.Unlock()
	sum.Elapsed = time.Since(start)
	switch {
	case err != nil:
		return sum, err
	case len(sum.Errors) > 0 && r.o.ExitOnError:
		return sum, sum.Errors[0]
	case len(sum.Errors) > 0:
		return sum, fmt.Errorf("restore: %w: %d", ErrIgnored, len(sum.Errors))
	}
	return sum, nil
}

// checkOptions rejects the combinations pg_restore rejects.
func checkOptions(o *Options) error {
	switch {
	case o.SchemaOnly && o.DataOnly:
		return errors.New("restore: schema-only and data-only cannot be used together")
	case o.Clean && o.DataOnly:
		return errors.New("restore: clean and data-only cannot be used together")
	case o.IfExists && !o.Clean:
		return errors.New("restore: if-exists requires clean")
	}
	return nil
}

func slices0(errs []error) []error { return append([]error(nil), errs...) }

func newRestorer(a format.Archive, o Options) (*restorer, error) {
	toc := a.TOC()
	if o.Jobs < 1 || o.SingleTransaction {
		o.Jobs = 1
	}
	if o.SingleTransaction {
		o.ExitOnError = true
	}
	set, err := readSettings(toc)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	r := &restorer{a: a, toc: toc, o: o, set: set, log: o.Logger, prog: o.Progress,
		members: map[int]*format.Member{}, sizes: map[int]int64{}, tableData: map[int][]int{},
		created: map[int]bool{}}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.prog == nil {
		r.prog = nopProgress{}
	}
	jobs, warnings := plan(toc, &r.o)
	for _, w := range warnings {
		r.log.Warn(w)
	}
	r.jobs = jobs
	if x := a.Extra(); x != nil {
		for i := range x.Members {
			m := &x.Members[i]
			r.members[m.DumpID] = m
			r.sizes[m.DumpID] = m.Size
		}
	}
	r.byID = make(map[int]*format.Entry, len(toc.Entries))
	for _, e := range toc.Entries {
		r.byID[e.DumpID] = e
	}
	r.estimateOffsets()
	for _, e := range toc.Entries {
		if e.Desc == "TABLE DATA" && len(e.Deps) > 0 {
			r.tableData[e.Deps[0]] = append(r.tableData[e.Deps[0]], e.DumpID)
		}
	}
	return r, nil
}

// entry returns the TOC entry with the given dumpId, or nil.
func (r *restorer) entry(id int) *format.Entry { return r.byID[id] }

// estimateOffsets sizes the data of custom archives from the gaps between data
// offsets, when pgstow's extra member gave no sizes.
func (r *restorer) estimateOffsets() {
	var withOff []*format.Entry
	for _, e := range r.toc.Entries {
		if e.HadDumper && e.OffsetKnown {
			withOff = append(withOff, e)
		}
	}
	sort.Slice(withOff, func(i, j int) bool { return withOff[i].DataOffset < withOff[j].DataOffset })
	for i := 0; i+1 < len(withOff); i++ {
		if _, ok := r.sizes[withOff[i].DumpID]; !ok {
			r.sizes[withOff[i].DumpID] = withOff[i+1].DataOffset - withOff[i].DataOffset
		}
	}
}

// fail records an entry error; with ExitOnError it stops the restore.
func (r *restorer) fail(err error) {
	r.mu.Lock()
	if r.o.ExitOnError && len(r.sum.Errors) > 0 {
		// Stopping already: later failures are mostly the cancellation itself.
		r.mu.Unlock()
		r.log.Debug("restore error after stop", "err", err)
		return
	}
	r.sum.Errors = append(r.sum.Errors, err)
	r.mu.Unlock()
	r.log.Error("restore error", "err", err)
	if r.o.ExitOnError && r.cancel != nil {
		r.cancel(err)
	}
}

func (r *restorer) stopped(ctx context.Context) bool {
	return ctx.Err() != nil
}

func (r *restorer) run(ctx context.Context, cfg *pgx.ConnConfig) error {
	leader, err := r.connect(ctx, cfg, "")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer func() { leader.close() }()

	jobs := r.jobs
	if r.o.Create {
		var rest []*job
		var dbJob *job
		for _, j := range jobs {
			if j.e.Desc == "DATABASE" && dbJob == nil {
				dbJob = j
				continue
			}
			rest = append(rest, j)
		}
		jobs = rest
		if dbJob != nil {
			if r.o.Clean {
				r.drop(ctx, leader, dbJob)
			}
			r.runJob(ctx, leader, dbJob, -1)
			if r.stopped(ctx) {
				return nil
			}
			cfg = cfg.Copy()
			cfg.Database = dbJob.e.Tag
			leader.close()
			if leader, err = r.connect(ctx, cfg, ""); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
		}
	}
	if r.o.SingleTransaction {
		if err := leader.exec(ctx, "BEGIN"); err != nil {
			return fmt.Errorf("restore: begin: %w", err)
		}
	}
	if r.o.Clean && !r.o.Create {
		for i := len(jobs) - 1; i >= 0 && !r.stopped(ctx); i-- {
			if jobs[i].e.DropStmt != "" {
				r.drop(ctx, leader, jobs[i])
			}
		}
	}

	r.log.Info("restoring", "entries", len(jobs), "jobs", r.o.Jobs, "database", cfg.Database)
	if r.o.Jobs <= 1 {
		for pass := passMain; pass <= passPostACL; pass++ {
			for _, j := range jobs {
				if j.pass == pass && !r.stopped(ctx) {
					r.runJob(ctx, leader, j, -1)
				}
			}
		}
	} else {
		var rest []*job
		for _, j := range jobs {
			switch {
			case r.stopped(ctx):
			case j.pass == passMain && j.section == format.SectionPreData:
				r.runJob(ctx, leader, j, -1)
			case j.pass == passMain && j.section == format.SectionData && r.a.Sequential():
				r.runJob(ctx, leader, j, -1)
			default:
				rest = append(rest, j)
			}
		}
		r.log.Info("pre-data done; parallel phase", "entries", len(rest))
		if !r.stopped(ctx) && len(rest) > 0 {
			if err := r.parallel(ctx, cfg, leader, rest); err != nil {
				return err
			}
		}
	}
	if r.stopped(ctx) {
		if r.o.SingleTransaction {
			_ = leader.exec(context.Background(), "ROLLBACK")
		}
		return nil
	}
	if r.o.SingleTransaction {
		if err := leader.exec(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("restore: commit: %w", err)
		}
	}
	// One synchronous commit flushes the WAL of every earlier asynchronous one.
	const flush = "SET synchronous_commit = on; BEGIN; SELECT pg_catalog.txid_current(); COMMIT;"
	err = leader.exec(ctx, flush)
	if err != nil && leader.conn.IsClosed() && ctx.Err() == nil {
		// The leader's session may have died while idle; any session will do.
		if err = r.reconnect(ctx, leader); err == nil {
			err = leader.exec(ctx, flush)
		}
	}
	if err != nil {
		return fmt.Errorf("restore: final commit: %w", err)
	}
	return nil
}

// drop runs the --clean statement of j.
func (r *restorer) drop(ctx context.Context, s *session, j *job) {
	stmt, ok := dropStatement(j.e, r.o.IfExists)
	if !ok {
		r.log.Warn("could not find where to insert IF EXISTS", "entry", j.e.DumpID, "stmt", j.e.DropStmt)
	}
	if strings.TrimSpace(stmt) == "" || strings.HasPrefix(stmt, "--") {
		return
	}
	if err := s.exec(ctx, r.entrySettings(s, j.e)+stmt); err != nil {
		r.fail(entryErr(j.e, "drop", err))
		r.checkConn(ctx, s)
	}
}

// checkConn reconnects a session whose connection broke.
func (r *restorer) checkConn(ctx context.Context, s *session) {
	if s.conn.IsClosed() && ctx.Err() == nil && !r.o.SingleTransaction {
		if err := r.reconnect(ctx, s); err != nil {
			r.log.Error("reconnect failed", "err", err)
		}
	}
}

// runJob runs one job (chunk >= 0: only that chunk of a chunked TABLE DATA).
// Failures are recorded; it reports whether the job fully succeeded.
func (r *restorer) runJob(ctx context.Context, s *session, j *job, chunk int) bool {
	e := j.e
	if s.conn.IsClosed() {
		r.checkConn(ctx, s)
		if s.conn.IsClosed() {
			r.fail(entryErr(e, "connect", errors.New("connection lost")))
			return false
		}
	}
	exec := func(step, sql string, settings bool) func() error {
		return func() error {
			stmt := sql
			if settings {
				stmt = r.entrySettings(s, e) + sql
			}
			if err := s.exec(ctx, stmt); err != nil {
				return entryErr(e, step, err)
			}
			return nil
		}
	}
	ok := true
	if j.runsDefn() && chunk < 0 {
		sql := definition(r.entry, e, &r.o)
		if j.splitIndex != "" {
			sql = j.splitIndex
		}
		if strings.TrimSpace(sql) != "" {
			r.log.Debug("creating", "entry", e.DumpID, "desc", e.Desc, "name", qualifiedName(e))
			if err := r.try(ctx, s, true, exec(stepOf(e), sql, true)); err != nil {
				r.fail(err)
				return false
			}
		}
		if j.splitAttach != "" {
			if err := r.try(ctx, s, true, exec(stepOf(e), j.splitAttach, false)); err != nil {
				r.fail(err)
				return false
			}
		}
		if j.schema && e.Desc == "TABLE" {
			r.mu.Lock()
			r.created[e.DumpID] = true
			r.mu.Unlock()
		}
		if !r.o.NoOwner {
			stmt, err := ownerStatement(e)
			if err != nil {
				err = entryErr(e, "owner", err)
			} else if stmt != "" {
				err = r.try(ctx, s, true, exec("owner", stmt, false))
			}
			if err != nil {
				r.fail(err)
				ok = false
			}
		}
	}
	if j.data && e.HadDumper {
		load := func() error {
			if e.Desc == "BLOBS" {
				if err := r.loadBlobs(ctx, s, e); err != nil {
					return entryErr(e, "blobs", err)
				}
				return nil
			}
			return r.loadTable(ctx, s, e, chunk)
		}
		// A sequential archive cannot hand out the same data twice.
		if err := r.try(ctx, s, !r.a.Sequential(), load); err != nil {
			r.fail(err)
			ok = false
		}
	}
	if ok && chunk < 0 {
		r.mu.Lock()
		r.sum.Entries++
		r.mu.Unlock()
	}
	return ok
}

// try runs one step of an entry. When it failed because the session's
// connection was lost (the statement then did not run, or was rolled back with
// its transaction) it reconnects and, if retry, runs the step once more. A
// single-transaction restore cannot recover from a lost connection.
func (r *restorer) try(ctx context.Context, s *session, retry bool, step func() error) error {
	err := step()
	if err == nil || !s.conn.IsClosed() || ctx.Err() != nil || r.o.SingleTransaction {
		return err
	}
	if rerr := r.reconnect(ctx, s); rerr != nil {
		r.log.Error("reconnect failed", "err", rerr)
		return err
	}
	if !retry {
		return err
	}
	r.log.Warn("connection lost; reconnected, retrying", "err", err)
	return step()
}
