package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/pgstow/pgstow/catalog"
	"github.com/pgstow/pgstow/dump"
	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/restore"
)

type dumpFlags struct {
	conn connFlags
	out  outputFlags

	format           string
	file             string
	jobs             int
	compress         string
	schemas          []string
	excludeSchemas   []string
	tables           []string
	excludeTables    []string
	excludeTableData []string
	schemaOnly       bool
	dataOnly         bool
	sections         []string
	noOwner          bool
	noACL            bool
	noComments       bool
	create           bool
	clean            bool
	ifExists         bool
	disableTriggers  bool
	lockWaitTimeout  string
	snapshot         string
	serializable     bool
	blobs            bool
	noBlobs          bool
	splitSize        string
	spoolDir         string
	noSync           bool
	globalsOnly      bool
	noRolePasswords  bool
	noTablespaces    bool
}

// defaultDumpJobs is -j's default: parallel, but modest, because each job is a
// connection to the server.
func defaultDumpJobs() int { return min(runtime.GOMAXPROCS(0), 4) }

func newDumpCommand() *cobra.Command { return newDumpCommandWith(&dumpFlags{}) }

// newDumpCommandWith binds the dump command's flags to f.
func newDumpCommandWith(f *dumpFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dump [OPTION]... [DBNAME]",
		Short: "Dump a database into a pg_dump archive or SQL script, like pg_dump",
		Long: `dump takes a consistent logical backup of a database: one snapshot shared by -j
connections, the largest tables first, big tables split into ctid ranges dumped by
several connections at once.

Formats (-F): p plain SQL script (the default, like pg_dump; to stdout unless -f),
t tar archive (to stdout unless -f), d directory archive (-f required). Stock
pg_restore reads uncompressed tar and every directory archive. A compressed tar
(-F t -Z ...) is the tar of a directory archive: pgstow reads it as is; for stock
pg_restore extract it with tar xf and pass the directory.

Files are written under a temporary name and renamed when complete: a failed dump
leaves nothing that looks like a finished archive.`,
		Args: maxArgs(1, "one database name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				// Like pg_dump, the positional database name wins over -d.
				f.conn.dbname = args[0]
			}
			return runDump(cmd, f)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	f.conn.bind(fs, "`DBNAME` to dump (a name, key=value string or URI); also the first argument")
	fs.StringVarP(&f.format, "format", "F", "p", "output `FORMAT`: p|plain, t|tar, d|directory")
	fs.StringVarP(&f.file, "file", "f", "", "output `FILE` or directory name (- or absent: stdout, for p and t)")
	fs.IntVarP(&f.jobs, "jobs", "j", defaultDumpJobs(), "use `NUM` connections to dump data in parallel")
	fs.StringVarP(&f.compress, "compress", "Z", "", "`METHOD` of compression of data members: none|gzip|lz4|zstd[:LEVEL] or 0-9 (default: none for p and t, gzip for d)")
	fs.StringArrayVarP(&f.schemas, "schema", "n", nil, "dump only schemas matching `PATTERN`; repeatable")
	fs.StringArrayVarP(&f.excludeSchemas, "exclude-schema", "N", nil, "do NOT dump schemas matching `PATTERN`; repeatable")
	fs.StringArrayVarP(&f.tables, "table", "t", nil, "dump only tables matching `PATTERN`; repeatable")
	fs.StringArrayVarP(&f.excludeTables, "exclude-table", "T", nil, "do NOT dump tables matching `PATTERN`; repeatable")
	fs.StringArrayVar(&f.excludeTableData, "exclude-table-data", nil, "do NOT dump data of tables matching `PATTERN`; repeatable")
	fs.BoolVarP(&f.schemaOnly, "schema-only", "s", false, "dump only the schema, no data")
	fs.BoolVarP(&f.dataOnly, "data-only", "a", false, "dump only the data, not the schema")
	fs.StringArrayVar(&f.sections, "section", nil, "dump named `SECTION` (pre-data, data, or post-data); repeatable")
	fs.BoolVarP(&f.noOwner, "no-owner", "O", false, "skip restoration of object ownership in plain-text format")
	fs.BoolVarP(&f.noACL, "no-privileges", "x", false, "do not dump privileges (grant/revoke)")
	fs.BoolVar(&f.noACL, "no-acl", false, "same as --no-privileges")
	fs.BoolVar(&f.noComments, "no-comments", false, "do not dump comments")
	fs.BoolVarP(&f.create, "create", "C", false, "include commands to create the database in the dump")
	fs.BoolVarP(&f.clean, "clean", "c", false, "clean (drop) database objects before recreating them (plain format)")
	fs.BoolVar(&f.ifExists, "if-exists", false, "use IF EXISTS when dropping objects (with -c)")
	fs.BoolVar(&f.disableTriggers, "disable-triggers", false, "disable triggers during data-only restore (plain format)")
	fs.StringVar(&f.lockWaitTimeout, "lock-wait-timeout", "", "fail after waiting `TIMEOUT` for a table lock (milliseconds, or a duration such as 30s)")
	fs.StringVar(&f.snapshot, "snapshot", "", "use the given exported `SNAPSHOT` for the dump")
	fs.BoolVar(&f.serializable, "serializable-deferrable", false, "wait until the dump can run without anomalies")
	fs.BoolVarP(&f.blobs, "blobs", "b", false, "include large objects in the dump (the default)")
	fs.BoolVar(&f.blobs, "large-objects", false, "same as --blobs")
	fs.BoolVarP(&f.noBlobs, "no-blobs", "B", false, "exclude large objects from the dump")
	fs.BoolVar(&f.noBlobs, "no-large-objects", false, "same as --no-blobs")
	fs.StringVar(&f.splitSize, "split-size", "", "split tables larger than `SIZE` into ctid ranges dumped in parallel (e.g. 256MB; -1 never splits)")
	fs.StringVar(&f.spoolDir, "spool-dir", "", "`DIR` for temporary files (tar members finished out of turn; plain format's staging archive)")
	fs.BoolVar(&f.noSync, "no-sync", false, "do not wait for the archive to be written safely to disk")
	fs.BoolVarP(&f.globalsOnly, "globals-only", "g", false, "dump only the roles and tablespaces a restore on a new server needs, as a SQL script (like pg_dumpall -g)")
	fs.BoolVar(&f.noRolePasswords, "no-role-passwords", false, "with -g: leave out role passwords")
	fs.BoolVar(&f.noTablespaces, "no-tablespaces", false, "with -g: leave out tablespaces")
	f.out.bind(fs)
	return cmd
}

// dumpPlan is what the flags resolve to.
type dumpPlan struct {
	layout      format.Layout // LayoutUnknown = plain
	compression format.Compression
	opts        dump.Options
	script      restore.Options // plain format: how the script is written
}

func (f *dumpFlags) plan(cmd *cobra.Command) (*dumpPlan, error) {
	p := &dumpPlan{}
	switch f.format {
	case "p", "plain":
	case "t", "tar":
		p.layout = format.LayoutTar
	case "d", "directory":
		p.layout = format.LayoutDirectory
	case "c", "custom":
		return nil, usagef(cmd, "custom format output is not supported; use -F t or -F d")
	default:
		return nil, usagef(cmd, "invalid output format %q specified (want p, t or d)", f.format)
	}
	plain := p.layout == format.LayoutUnknown
	switch {
	case f.schemaOnly && f.dataOnly:
		return nil, usagef(cmd, "options -s/--schema-only and -a/--data-only cannot be used together")
	case f.clean && f.dataOnly:
		return nil, usagef(cmd, "options -c/--clean and -a/--data-only cannot be used together")
	case f.ifExists && !f.clean:
		return nil, usagef(cmd, "option --if-exists requires option -c/--clean")
	case f.jobs < 1:
		return nil, usagef(cmd, "invalid number of parallel jobs %d", f.jobs)
	case p.layout == format.LayoutDirectory && (f.file == "" || f.file == "-"):
		return nil, usagef(cmd, "-F d (directory format) requires -f/--file naming the output directory")
	case f.serializable && f.snapshot != "":
		return nil, usagef(cmd, "options --serializable-deferrable and --snapshot cannot be used together")
	case !plain && f.clean:
		return nil, usagef(cmd, "option -c/--clean applies to the plain format only; give it to pgstow restore instead")
	case !plain && f.disableTriggers:
		return nil, usagef(cmd, "option --disable-triggers applies to the plain format only; give it to pgstow restore instead")
	}

	if f.compress != "" {
		c, err := format.ParseCompression(f.compress)
		if err != nil {
			return nil, usagef(cmd, "-Z/--compress: %v", err)
		}
		p.compression = c
	} else if p.layout == format.LayoutDirectory {
		p.compression = format.Compression{Algorithm: format.AlgGzip} // pg_dump's default for -F d
	}

	// Sections: -s drops data, -a keeps only data, --section picks among the three.
	secs, err := parseSections(cmd, f.sections)
	if err != nil {
		return nil, err
	}
	want := map[format.Section]bool{format.SectionPreData: true, format.SectionData: true, format.SectionPostData: true}
	if len(secs) > 0 {
		want = map[format.Section]bool{}
		for _, s := range secs {
			want[s] = true
		}
	}
	if f.schemaOnly {
		want[format.SectionData] = false
	}
	if f.dataOnly {
		want[format.SectionPreData], want[format.SectionPostData] = false, false
	}
	pre, data, post := want[format.SectionPreData], want[format.SectionData], want[format.SectionPostData]
	var schemaOnly, dataOnly bool
	switch {
	case !pre && !data && !post:
		return nil, usagef(cmd, "the selected options leave no section to dump (-s, -a and --section)")
	case pre && data && post:
	case data && !pre && !post:
		dataOnly = true
	case pre && post && !data:
		schemaOnly = true
	case !plain:
		return nil, usagef(cmd, "--section: an archive holds pre-data and post-data together; dump both (or -s) and choose with pgstow restore --section")
	default:
		// Plain format, one of pre-data, post-data, pre-data+data, data+post-data: the
		// staging archive holds a superset and the script writer selects.
		schemaOnly = !data
		for _, s := range []format.Section{format.SectionPreData, format.SectionData, format.SectionPostData} {
			if want[s] {
				p.script.Sections = append(p.script.Sections, s)
			}
		}
	}

	lockTimeout, err := parseLockTimeout(f.lockWaitTimeout)
	if err != nil {
		return nil, usagef(cmd, "%v", err)
	}
	var split int64
	if f.splitSize != "" {
		split, err = parseSize(f.splitSize)
		if err != nil {
			return nil, usagef(cmd, "--split-size: %v", err)
		}
		if split == 0 {
			split = -1 // "0": never split, rather than the library's default
		}
	}

	p.opts = dump.Options{
		Jobs:       f.jobs,
		SplitBytes: split,
		Catalog: catalog.Options{
			Filter: catalog.Filter{
				IncludeSchemas:   f.schemas,
				ExcludeSchemas:   f.excludeSchemas,
				IncludeTables:    f.tables,
				ExcludeTables:    f.excludeTables,
				ExcludeTableData: f.excludeTableData,
			},
			SchemaOnly: schemaOnly,
			DataOnly:   dataOnly,
			NoComments: f.noComments,
			NoACL:      f.noACL,
			NoBlobs:    f.noBlobs,
			Create:     f.create,
		},
		Serializable:    f.serializable,
		Snapshot:        f.snapshot,
		LockWaitTimeout: lockTimeout,
		Role:            f.conn.role,
		DumpVersion:     "pgstow " + version,
	}
	p.script.Create = f.create
	p.script.Clean = f.clean
	p.script.IfExists = f.ifExists
	p.script.NoOwner = f.noOwner
	p.script.NoACL = f.noACL
	p.script.NoComments = f.noComments
	if p.script.Sections == nil {
		p.script.DataOnly = dataOnly
		p.script.SchemaOnly = schemaOnly
	}
	p.script.DisableTriggers = f.disableTriggers
	return p, nil
}

func runDump(cmd *cobra.Command, f *dumpFlags) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	if f.globalsOnly {
		return runGlobals(cmd, f)
	}
	p, err := f.plan(cmd)
	if err != nil {
		return err
	}
	cfg, err := f.conn.config()
	if err != nil {
		return err
	}
	p.opts.Logger = f.out.logger(stderr)
	toStdout := f.file == "" || f.file == "-"
	wo := format.WriterOptions{Compression: p.compression, SpoolDir: f.spoolDir, NoSync: f.noSync}

	var sum dump.Summary
	switch p.layout {
	case format.LayoutTar:
		var w format.Writer
		if toStdout {
			w = format.NewTarWriter(cmd.OutOrStdout(), wo)
		} else {
			if w, err = format.CreateTar(f.file, wo); err != nil {
				return err
			}
		}
		sum, err = runDumpInto(ctx, cmd, f, cfg, w, p.opts)
	case format.LayoutDirectory:
		w, err := format.CreateDirectory(f.file, wo)
		if err != nil {
			return err
		}
		sum, err = runDumpInto(ctx, cmd, f, cfg, w, p.opts)
	default:
		sum, err = dumpPlain(ctx, cmd, f, cfg, p, toStdout)
	}
	if err != nil {
		return err
	}
	if !f.out.quiet {
		fmt.Fprintln(stderr, summaryLine("dumped", sum.Tables, sum.Rows, sum.Bytes, sum.Elapsed))
	}
	return nil
}

// runDumpInto runs dump.Run with the progress display. dump.Run closes w, or
// aborts it on failure.
func runDumpInto(ctx context.Context, cmd *cobra.Command, f *dumpFlags, cfg *pgx.ConnConfig, w format.Writer, o dump.Options) (dump.Summary, error) {
	prog := f.out.progress(cmd.ErrOrStderr(), "dumping")
	if prog != nil {
		o.Progress = prog
		defer prog.Close()
	}
	return dump.Run(ctx, cfg, w, o)
}

// dumpPlain dumps into a staging directory archive (uncompressed-fast lz4, under
// --spool-dir or the temp dir), then writes it as a SQL script to the output, and
// removes the staging archive. -Z compresses the script as a whole, as pg_dump -F p
// -Z does.
func dumpPlain(ctx context.Context, cmd *cobra.Command, f *dumpFlags, cfg *pgx.ConnConfig, p *dumpPlan, toStdout bool) (dump.Summary, error) {
	stage, err := os.MkdirTemp(f.spoolDir, "pgstow-plain-*")
	if err != nil {
		return dump.Summary{}, fmt.Errorf("plain format: staging directory: %w", err)
	}
	defer os.RemoveAll(stage)
	dir := filepath.Join(stage, "archive")
	w, err := format.CreateDirectory(dir, format.WriterOptions{Compression: format.Compression{Algorithm: format.AlgLZ4}, SpoolDir: stage, NoSync: true})
	if err != nil {
		return dump.Summary{}, err
	}
	sum, err := runDumpInto(ctx, cmd, f, cfg, w, p.opts)
	if err != nil {
		return sum, err
	}
	a, err := format.Open(ctx, dir)
	if err != nil {
		return sum, fmt.Errorf("plain format: reopen staging archive: %w", err)
	}
	defer a.Close()
	write := func(out io.Writer) error {
		zw, err := format.NewCompressor(out, p.compression)
		if err != nil {
			return fmt.Errorf("plain format: %w", err)
		}
		if err := restore.WriteScript(ctx, zw, a, p.script); err != nil {
			return fmt.Errorf("plain format: write script: %w", err)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("plain format: compress script: %w", err)
		}
		return nil
	}
	if toStdout {
		err = write(cmd.OutOrStdout())
	} else {
		err = writeFileAtomic(f.file, write)
	}
	return sum, err
}

// runGlobals writes the server's roles and tablespaces as a psql script, as
// pg_dumpall -g does, for restoring a dump on a new server.
func runGlobals(cmd *cobra.Command, f *dumpFlags) error {
	ctx := cmd.Context()
	if f.format != "p" && f.format != "plain" {
		return &usageError{cmd: cmd.CommandPath(), msg: "--globals-only writes a plain SQL script (-F p)"}
	}
	cfg, err := f.conn.config()
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	g, err := catalog.LoadGlobals(ctx, conn, catalog.GlobalsOptions{NoPasswords: f.noRolePasswords, NoTablespaces: f.noTablespaces, NoComments: f.noComments})
	if err != nil {
		return err
	}
	write := func(out io.Writer) error {
		bw := bufio.NewWriter(out)
		fmt.Fprintf(bw, "--\n-- roles and tablespaces, written by %s\n--\n\nSET standard_conforming_strings = on;\n\n", "pgstow "+version)
		for _, st := range g.Statements {
			bw.WriteString(st.SQL)
		}
		return bw.Flush()
	}
	if f.file == "" || f.file == "-" {
		return write(cmd.OutOrStdout())
	}
	return writeFileAtomic(f.file, write)
}
