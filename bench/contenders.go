package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// env is what the contenders of one dataset need.
type env struct {
	c         *cluster
	pgbin     string
	pgstow    string // built pgstow binary; "" when the build failed
	pgstowErr error  // why the build failed
	self      string // this executable, run as the ceiling child
	src, dst  string // source database, restore target database
	work      string // directory of this dataset's archives and ceiling files
	jobs      int
	timeBin   string // GNU time, for peak RSS; "" to use os/exec's rusage
	noSync    bool   // no sync(2) before each run (quick mode: speed is not the point)
}

// contender is one measured command. Dump contenders write an archive; restore
// contenders read the archive of a dump contender into a fresh database.
type contender struct {
	name    string
	group   string // "dump" or "restore"
	anchor  string // the contender this one's time is divided by; "" for anchors
	ceiling bool   // a raw COPY ceiling; the fastest of its group divides the others
	output  string // dump: archive path under env.work
	input   string // restore: name of the dump contender whose archive it reads
	args    func(e *env, archive string) (bin string, args []string, err error)
}

func pgTool(tool string, flags ...string) func(*env, string) (string, []string, error) {
	return func(e *env, archive string) (string, []string, error) {
		db := e.src
		if tool == "pg_restore" {
			db = e.dst
		}
		args := append([]string{"-d", e.c.connString(db)}, flags...)
		if tool == "pg_dump" {
			args = append(args, "-f", archive)
		} else {
			args = append(args, archive)
		}
		return filepath.Join(e.pgbin, tool), args, nil
	}
}

func pgstowTool(sub string, flags ...string) func(*env, string) (string, []string, error) {
	return func(e *env, archive string) (string, []string, error) {
		if e.pgstow == "" {
			return "", nil, errors.New("pgstow not built (the build error is in the report header)")
		}
		if sub == "dump" {
			return e.pgstow, append(append([]string{"dump", "-d", e.c.connString(e.src)}, flags...), "-f", archive), nil
		}
		return e.pgstow, append(append([]string{"restore", "-d", e.c.connString(e.dst)}, flags...), archive), nil
	}
}

func ceilingTool(mode string, jobs int) func(*env, string) (string, []string, error) {
	return func(e *env, _ string) (string, []string, error) {
		db := e.dst
		if mode == "to" {
			db = e.src
		}
		return e.self, []string{ceilingChildArg, mode, strconv.Itoa(jobs), e.c.connString(db),
			filepath.Join(e.work, "ceiling"), e.pgbin}, nil
	}
}

// contenders lists every contender in the order they alternate within a round.
// extraJobs adds pgstow dumps (-F t, -F d -Z none) with other -j values.
func contenders(jobs int, extraJobs []int) []contender {
	j := strconv.Itoa(jobs)
	pgDumpD := "pg_dump -F d -j" + j
	pgRestoreD := "pg_restore -j" + j + " (pg_dump -F d)"
	cs := []contender{
		{name: "pg_dump -F t", group: "dump", output: "pgdump.tar", args: pgTool("pg_dump", "-F", "t")},
		{name: pgDumpD, group: "dump", output: "pgdump.dir", args: pgTool("pg_dump", "-F", "d", "-j", j)},
		{name: "pg_dump -F c", group: "dump", output: "pgdump.custom", args: pgTool("pg_dump", "-F", "c")},
		{name: "pgstow -F t -j" + j, group: "dump", anchor: "pg_dump -F t", output: "pgstow.tar",
			args: pgstowTool("dump", "-F", "t", "-j", j, "-Z", "none")},
	}
	for _, z := range []string{"none", "lz4", "zstd"} {
		cs = append(cs, contender{name: "pgstow -F d -j" + j + " -Z " + z, group: "dump", anchor: pgDumpD,
			output: "pgstow-" + z + ".dir", args: pgstowTool("dump", "-F", "d", "-j", j, "-Z", z)})
	}
	for _, x := range extraJobs {
		xj := strconv.Itoa(x)
		cs = append(cs,
			contender{name: "pgstow -F t -j" + xj, group: "dump", anchor: "pg_dump -F t", output: "pgstow-j" + xj + ".tar",
				args: pgstowTool("dump", "-F", "t", "-j", xj, "-Z", "none")},
			contender{name: "pgstow -F d -j" + xj + " -Z none", group: "dump", anchor: pgDumpD, output: "pgstow-j" + xj + ".dir",
				args: pgstowTool("dump", "-F", "d", "-j", xj, "-Z", "none")})
	}
	cs = append(cs,
		contender{name: "COPY TO x1 (ceiling)", group: "dump", ceiling: true, args: ceilingTool("to", 1)},
		contender{name: "COPY TO x" + j + " ranges (ceiling)", group: "dump", ceiling: true, args: ceilingTool("to", jobs)},

		contender{name: "pg_restore (pg_dump -F t)", group: "restore", input: "pg_dump -F t", args: pgTool("pg_restore")},
		contender{name: pgRestoreD, group: "restore", input: pgDumpD, args: pgTool("pg_restore", "-j", j)},
		contender{name: "pg_restore -j" + j + " (pg_dump -F c)", group: "restore", input: "pg_dump -F c", args: pgTool("pg_restore", "-j", j)},
		contender{name: "pgstow restore -j" + j + " (pgstow -F t)", group: "restore", anchor: "pg_restore (pg_dump -F t)",
			input: "pgstow -F t -j" + j, args: pgstowTool("restore", "-j", j)},
	)
	for _, z := range []string{"none", "lz4", "zstd"} {
		cs = append(cs, contender{name: "pgstow restore -j" + j + " (pgstow -F d -Z " + z + ")", group: "restore",
			anchor: pgRestoreD, input: "pgstow -F d -j" + j + " -Z " + z, args: pgstowTool("restore", "-j", j)})
	}
	// The same input as pg_restore: pg_dump's gzip directory archive.
	cs = append(cs, contender{name: "pgstow restore -j" + j + " (pg_dump -F d)", group: "restore",
		anchor: pgRestoreD, input: pgDumpD, args: pgstowTool("restore", "-j", j)})
	cs = append(cs,
		contender{name: "COPY FROM x" + j + " ranges + post-data (ceiling)", group: "restore", ceiling: true,
			args: ceilingTool("from", jobs)},
		contender{name: "COPY FROM x" + j + " whole tables + post-data (ceiling)", group: "restore", ceiling: true,
			args: ceilingTool("from-whole", jobs)})
	return cs
}

// run is one measurement.
type run struct {
	Seconds float64 `json:"seconds"`
	RSSKB   int64   `json:"peak_rss_kb"`
	// CPUSeconds is the client's user+system time, with its waited-for children.
	CPUSeconds float64 `json:"client_cpu_seconds"`
	Bytes      int64   `json:"archive_bytes,omitempty"`
	// Restore phases as seen from the server (see phaseSampler).
	PreSeconds  float64 `json:"pre_data_seconds,omitempty"`
	DataSeconds float64 `json:"data_seconds,omitempty"`
	PostSeconds float64 `json:"post_data_seconds,omitempty"`
}

// measure runs one contender once: for a restore it first recreates the target
// database (not timed) and afterwards checks it against the source fingerprint.
func measure(ctx context.Context, e *env, all map[string]contender, k contender, want fingerprint, timeout time.Duration) (run, error) {
	archive := ""
	switch {
	case k.output != "":
		archive = filepath.Join(e.work, k.output)
		if err := os.RemoveAll(archive); err != nil {
			return run{}, err
		}
	case k.input != "":
		archive = filepath.Join(e.work, all[k.input].output)
		if _, err := os.Stat(archive); err != nil {
			return run{}, fmt.Errorf("no archive from %q", k.input)
		}
	}
	bin, args, err := k.args(e, archive)
	if err != nil {
		return run{}, err
	}
	if k.group == "restore" {
		if err := e.c.recreateDB(ctx, e.dst); err != nil {
			return run{}, err
		}
	}
	// Start from a quiet machine: no dirty shared buffers, no dirty page cache
	// (written back during the next run otherwise). Quick mode skips the sync.
	if err := e.c.exec(ctx, "postgres", "CHECKPOINT"); err != nil {
		return run{}, err
	}
	if !e.noSync {
		syscall.Sync()
	}
	var phases *phaseSampler
	if k.group == "restore" {
		if phases, err = startPhaseSampler(ctx, e.c, e.dst); err != nil {
			return run{}, err
		}
	}
	r, err := runTimed(ctx, timeout, e.timeBin, bin, args)
	if phases != nil {
		phases.stop(&r)
	}
	if err != nil {
		return r, err
	}
	if archive != "" && k.output != "" {
		if r.Bytes, err = pathSize(archive); err != nil {
			return r, fmt.Errorf("archive size: %w", err)
		}
	}
	if k.group == "restore" {
		got, err := takeFingerprint(ctx, e.c, e.dst)
		if err != nil {
			return r, fmt.Errorf("check restore: %w", err)
		}
		if d := want.diff(got); d != "" {
			return r, fmt.Errorf("restored database differs: %s", d)
		}
	}
	return r, nil
}

// runTimed runs a client command and returns its wall time, CPU time and peak RSS: the
// largest of the process and the children it waited for (pg_dump's workers).
//
// The peak comes from GNU time (timeBin) when installed: the rusage Go's os/exec
// reports is floored at this harness's own RSS, because Go starts children with
// CLONE_VM and the kernel charges the parent's high-water mark to the child at exec.
func runTimed(ctx context.Context, timeout time.Duration, timeBin, bin string, args []string) (run, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name, rssFile := filepath.Base(bin), ""
	if timeBin != "" {
		f, err := os.CreateTemp("", "bench-rss-")
		if err != nil {
			return run{}, err
		}
		f.Close()
		rssFile = f.Name()
		defer os.Remove(rssFile)
		args = append([]string{"-f", "%M %U %S", "-o", rssFile, bin}, args...)
		bin = timeBin
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "LC_ALL=C")
	// On timeout, kill the whole process group, not only GNU time.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := run{Seconds: time.Since(start).Seconds()}
	if ps := cmd.ProcessState; ps != nil {
		r.CPUSeconds = (ps.UserTime() + ps.SystemTime()).Seconds()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.RSSKB = ru.Maxrss
		}
	}
	if rssFile != "" { // the last line is "maxrss-kB user-s sys-s"
		b, _ := os.ReadFile(rssFile)
		if f := strings.Fields(string(b)); len(f) >= 3 {
			kb, err1 := strconv.ParseInt(f[len(f)-3], 10, 64)
			user, err2 := strconv.ParseFloat(f[len(f)-2], 64)
			sys, err3 := strconv.ParseFloat(f[len(f)-1], 64)
			if err1 == nil && err2 == nil && err3 == nil {
				r.RSSKB, r.CPUSeconds = kb, user+sys
			}
		}
	}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %v", timeout)
		}
		return r, fmt.Errorf("%s: %w: %s", name, err, tail(out.String(), 600))
	}
	return r, nil
}

// head shortens s to its first n bytes.
func head(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

// pathSize is the size of a file or the total of a directory's files.
func pathSize(p string) (int64, error) {
	var n int64
	err := filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// buildPgstow builds cmd/pgstow of the module in dir into out.
func buildPgstow(ctx context.Context, dir, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/pgstow")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "go: downloading") {
				lines = append(lines, l)
			}
		}
		return errors.New("go build ./cmd/pgstow: " + tail(strings.Join(lines, "\n"), 300))
	}
	return nil
}
