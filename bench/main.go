// Command bench measures pgstow against pg_dump/pg_restore and against raw COPY, on
// a throwaway PostgreSQL cluster and deterministic datasets. See bench/README.md.
//
//	go run ./bench -quick                 # smoke run, < 3 minutes: every contender runs, every restore checks out
//	go run ./bench -json results.json     # full run: pgbench scale 100, 3 rounds
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	quick    bool
	sz       sizes
	rounds   int
	jobs     int
	pgbin    string
	jsonPath string
	mdPath   string
	datasets string
	only     *regexp.Regexp
	extraJ   []int
	timeout  time.Duration
	workdir  string
	keep     bool
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := &options{}
	var only, extraJ string
	fs.BoolVar(&o.quick, "quick", false, "smoke run: small datasets, 1 round (under 3 minutes)")
	fs.IntVar(&o.sz.scale, "scale", 0, "pgbench scale (default 100, quick 5)")
	fs.IntVar(&o.sz.manyTables, "tables", 0, "tables of the many-tables dataset (default 1000, quick 100)")
	fs.IntVar(&o.sz.wideRows, "wide-rows", 0, "rows of the wide-types table (default 500000, quick 20000)")
	fs.IntVar(&o.sz.appOrders, "app-orders", 0, "rows of the app dataset's orders table (default 5000000, quick 50000)")
	fs.IntVar(&o.rounds, "rounds", 0, "rounds of each contender, alternating (default 3, quick 1)")
	fs.IntVar(&o.jobs, "jobs", 2, "parallel jobs (-j) of the parallel contenders")
	fs.StringVar(&extraJ, "extra-jobs", "", "comma-separated -j values of extra pgstow dumps (-F t, -F d -Z none), e.g. 1,4")
	fs.StringVar(&o.pgbin, "pgbin", "/usr/lib/postgresql/15/bin", "PostgreSQL bin directory: server, pg_dump, pg_restore, psql, pgbench")
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&o.mdPath, "md", "", "also write the markdown tables to this file")
	fs.StringVar(&o.datasets, "datasets", "pgbench,many,wide,app", "comma-separated datasets to run")
	fs.StringVar(&only, "only", "", "run only contenders whose name matches this regexp, with their anchors and the dumps their restores read")
	fs.DurationVar(&o.timeout, "timeout", 0, "limit of one contender run (default 2h, quick 2m)")
	fs.StringVar(&o.workdir, "workdir", os.TempDir(), "directory for archives and the ceiling's COPY files")
	fs.BoolVar(&o.keep, "keep", false, "keep archives after the run")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	def := func(v *int, full, quick int) {
		if *v == 0 {
			*v = full
			if o.quick {
				*v = quick
			}
		}
	}
	def(&o.sz.scale, 100, 5)
	def(&o.sz.manyTables, 1000, 100)
	def(&o.sz.wideRows, 500000, 20000)
	def(&o.sz.appOrders, 5000000, 50000)
	def(&o.rounds, 3, 1)
	if o.timeout == 0 {
		o.timeout = 2 * time.Hour
		if o.quick {
			o.timeout = 2 * time.Minute
		}
	}
	if o.jobs < 1 || o.rounds < 1 || o.sz.scale < 1 || o.sz.manyTables < 1 || o.sz.wideRows < 1 || o.sz.appOrders < 1 {
		return nil, errors.New("-jobs, -rounds and the sizes must be positive")
	}
	for _, f := range strings.FieldsFunc(extraJ, func(r rune) bool { return r == ',' || r == ' ' }) {
		j, err := strconv.Atoi(f)
		if err != nil || j < 1 || j == o.jobs {
			return nil, fmt.Errorf("-extra-jobs %q: want positive numbers other than -jobs", f)
		}
		o.extraJ = append(o.extraJ, j)
	}
	var err error
	if o.only, err = regexp.Compile(only); err != nil {
		return nil, fmt.Errorf("-only: %w", err)
	}
	return o, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == ceilingChildArg {
		err = ceilingChild(ctx, os.Args[2:], os.Stdout)
	} else {
		var o *options
		if o, err = parseFlags(os.Args[1:]); err == nil {
			err = benchmark(ctx, o)
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func benchmark(ctx context.Context, o *options) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	moduleDir, err := findModule()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(o.workdir, "pgstow-bench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}

	e := &env{pgbin: o.pgbin, self: self, jobs: o.jobs, noSync: o.quick}
	if out, err := exec.Command("/usr/bin/time", "-f", "%M %U %S", "true").CombinedOutput(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
		e.timeBin = "/usr/bin/time"
	}
	built := make(chan struct{})
	go func() {
		defer close(built)
		bin := filepath.Join(work, "pgstow")
		if e.pgstowErr = buildPgstow(ctx, moduleDir, bin); e.pgstowErr == nil {
			e.pgstow = bin
		}
	}()
	load, load1 := loadAverage()
	if load1 > 0.5 {
		logf("WARNING: load average %s: other work on this machine skews the timings", load)
	}
	logf("starting PostgreSQL from %s", o.pgbin)
	if e.c, err = startCluster(ctx, o.pgbin); err != nil {
		return err
	}
	defer e.c.stop()
	<-built
	rep := &report{Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), Machine: machine(), Server: e.c.version,
		Quick: o.quick, Rounds: o.rounds, Jobs: o.jobs, Settings: map[string]string{}, LoadAvg: load}
	rep.RSSFrom = "GNU time %M (max over the process and its children); client CPU from %U+%S"
	if e.timeBin == "" {
		rep.RSSFrom = "os/exec rusage (no /usr/bin/time: floored at the harness's own RSS)"
	}
	for _, kv := range serverSettings {
		rep.Settings[kv[0]] = kv[1]
	}
	rep.Clients = toolVersion(filepath.Join(o.pgbin, "pg_dump")) + ", " + toolVersion(filepath.Join(o.pgbin, "pg_restore"))
	if e.pgstowErr != nil {
		rep.Pgstow = "build failed: " + e.pgstowErr.Error()
		logf("pgstow contenders will fail: %v", e.pgstowErr)
	} else {
		rep.Pgstow = toolVersion(e.pgstow) + " (built from " + moduleDir + ")"
	}

	want := map[string]bool{}
	for _, n := range strings.Split(o.datasets, ",") {
		want[strings.TrimSpace(n)] = true
	}
	for _, ds := range datasets(o.sz, o.pgbin) {
		if !want[ds.name] {
			continue
		}
		d := &datasetReport{Name: ds.name, Desc: ds.desc}
		rep.Datasets = append(rep.Datasets, d)
		if err := runDataset(ctx, o, e, ds, d, work); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.Error = err.Error()
			logf("[%s] dataset failed: %v", ds.name, err)
		}
		d.finish()
	}

	var md strings.Builder
	rep.writeMarkdown(&md)
	fmt.Print(md.String())
	if o.mdPath != "" {
		if err := os.WriteFile(o.mdPath, []byte(md.String()), 0o644); err != nil {
			return err
		}
	}
	if o.jsonPath != "" {
		if err := rep.writeJSON(o.jsonPath); err != nil {
			return err
		}
	}
	var failed []string
	for _, d := range rep.Datasets {
		if d.Error != "" {
			failed = append(failed, d.Name)
		}
		for _, r := range d.Results {
			if r.Error != "" {
				failed = append(failed, d.Name+": "+r.Name)
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d failed: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// runDataset builds one dataset and runs every contender on it, round after round:
// all dumps alternating (A B C A B C …), then all restores alternating.
func runDataset(ctx context.Context, o *options, e *env, ds dataset, d *datasetReport, work string) error {
	e.src, e.dst, e.work = "bench_"+ds.name, "bench_"+ds.name+"_restored", filepath.Join(work, ds.name)
	defer func() {
		_ = e.c.dropDB(context.Background(), e.src)
		_ = e.c.dropDB(context.Background(), e.dst)
		if !o.keep {
			_ = os.RemoveAll(e.work)
		}
	}()
	logf("[%s] building: %s", ds.name, ds.desc)
	start := time.Now()
	if err := e.c.recreateDB(ctx, e.src); err != nil {
		return err
	}
	if err := ds.build(ctx, e.c, e.src); err != nil {
		return err
	}
	if err := e.c.exec(ctx, e.src, "VACUUM (FREEZE, ANALYZE)"); err != nil {
		return err
	}
	d.BuildSeconds = time.Since(start).Seconds()
	fp, err := takeFingerprint(ctx, e.c, e.src)
	if err != nil {
		return err
	}
	tables, err := listTables(ctx, e.c, e.src)
	if err != nil {
		return err
	}
	d.Tables, d.Rows = len(tables), fp.totalRows()
	conn, err := e.c.connect(ctx, e.src)
	if err != nil {
		return err
	}
	err = conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&d.DBBytes)
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("database size: %w", err)
	}
	if d.CopyBytes, err = prepareCeiling(ctx, e, tables); err != nil {
		return err
	}
	logf("[%s] %d tables, %d rows, %s MB database, %s MB COPY text, built in %.1f s",
		ds.name, d.Tables, d.Rows, mb(d.DBBytes), mb(d.CopyBytes), d.BuildSeconds)

	// Selected contenders, plus their anchors and the dumps whose archives
	// selected restores read, transitively.
	all, selected := map[string]contender{}, map[string]bool{}
	cs := contenders(o.jobs, o.extraJ)
	for _, k := range cs {
		all[k.name] = k
		selected[k.name] = o.only.MatchString(k.name)
	}
	for changed := true; changed; {
		changed = false
		for _, k := range cs {
			for _, dep := range []string{k.anchor, k.input} {
				if selected[k.name] && dep != "" && !selected[dep] {
					selected[dep], changed = true, true
				}
			}
		}
	}
	for _, k := range cs {
		if selected[k.name] {
			d.Results = append(d.Results, &result{Name: k.name, Group: k.group, Anchor: k.anchor, Ceiling: k.ceiling})
		}
	}
	for _, g := range []string{"dump", "restore"} {
		for round := 1; round <= o.rounds; round++ {
			for _, r := range d.Results {
				if r.Group != g || r.Error != "" {
					continue
				}
				x, err := measure(ctx, e, all, all[r.Name], fp, o.timeout)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err != nil {
					r.Error = err.Error()
					logf("[%s] round %d/%d %s: FAILED: %v", ds.name, round, o.rounds, r.Name, err)
					continue
				}
				r.Runs = append(r.Runs, x)
				logf("[%s] round %d/%d %s: %.2f s, client CPU %.2f s, %.0f MB RSS", ds.name, round, o.rounds, r.Name,
					x.Seconds, x.CPUSeconds, float64(x.RSSKB)/1024)
			}
		}
	}
	return nil
}

func toolVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return filepath.Base(bin) + " (version unknown)"
	}
	return strings.TrimSpace(string(out))
}

// findModule returns the directory of the go.mod enclosing the working directory.
func findModule() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run bench inside the pgstow module (no go.mod above the working directory)")
		}
		dir = parent
	}
}
