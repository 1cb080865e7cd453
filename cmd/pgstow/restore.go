package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/restore"
)

type restoreFlags struct {
	conn connFlags
	out  outputFlags

	file              string
	format            string
	create            bool
	clean             bool
	ifExists          bool
	noOwner           bool
	noACL             bool
	noComments        bool
	schemaOnly        bool
	dataOnly          bool
	sections          []string
	schemas           []string
	tables            []string
	list              bool
	useList           string
	singleTransaction bool
	jobs              int
	exitOnError       bool
	disableTriggers   bool
}

func newRestoreCommand() *cobra.Command {
	f := &restoreFlags{}
	cmd := &cobra.Command{
		Use:   "restore [OPTION]... [ARCHIVE|-]",
		Short: "Restore a pg_dump or pgstow archive into a database, like pg_restore",
		Long: `restore loads a pg_dump or pgstow archive (tar file, directory, custom-format file;
"-" or nothing reads standard input) into the database given with -d, or writes it
as a plain SQL script with -f FILE (- for standard output).

With -j N, table data and post-data objects (indexes, constraints) are loaded on N
connections, from a tar file too; from standard input, data loads one table at a
time.

Errors: like pg_restore, by default a failing object is reported and the restore
goes on (later objects are often independent of it, and one run listing every
problem is more useful than one stopped at the first); the exit status is then 1
and every error is listed at the end. -e stops at the first error, -1 also rolls
everything back.`,
		Args: maxArgs(1, "one archive"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			return runRestore(cmd, f, path)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	f.conn.bind(fs, "connect to `DBNAME` and restore into it (a name, key=value string or URI)")
	fs.StringVarP(&f.file, "file", "f", "", "write a SQL script to `FILE` (- for stdout) instead of restoring into a database")
	fs.StringVarP(&f.format, "format", "F", "", "archive `FORMAT` (c|d|t); detected automatically, checked when given")
	fs.BoolVarP(&f.create, "create", "C", false, "create the target database (connect to another one with -d)")
	fs.BoolVarP(&f.clean, "clean", "c", false, "drop database objects before recreating them")
	fs.BoolVar(&f.ifExists, "if-exists", false, "use IF EXISTS when dropping objects (with -c)")
	fs.BoolVarP(&f.noOwner, "no-owner", "O", false, "skip restoration of object ownership")
	fs.BoolVarP(&f.noACL, "no-privileges", "x", false, "skip restoration of access privileges (grant/revoke)")
	fs.BoolVar(&f.noACL, "no-acl", false, "same as --no-privileges")
	fs.BoolVar(&f.noComments, "no-comments", false, "do not restore comments")
	fs.BoolVarP(&f.schemaOnly, "schema-only", "s", false, "restore only the schema, no data")
	fs.BoolVarP(&f.dataOnly, "data-only", "a", false, "restore only the data, no schema")
	fs.StringArrayVar(&f.sections, "section", nil, "restore named `SECTION` (pre-data, data, or post-data); repeatable")
	fs.StringArrayVarP(&f.schemas, "schema", "n", nil, "restore only objects in `SCHEMA`; repeatable")
	fs.StringArrayVarP(&f.tables, "table", "t", nil, "restore only `NAME`, a table, view or sequence (by name); repeatable")
	fs.BoolVarP(&f.list, "list", "l", false, "print the archive's table of contents and exit (like pgstow list)")
	fs.StringVarP(&f.useList, "use-list", "L", "", "restore only the entries listed in `FILE` (from -l), in its order")
	fs.BoolVarP(&f.singleTransaction, "single-transaction", "1", false, "restore as a single transaction (implies -e, -j 1)")
	fs.IntVarP(&f.jobs, "jobs", "j", 1, "use `NUM` parallel connections for data and post-data")
	fs.BoolVarP(&f.exitOnError, "exit-on-error", "e", false, "exit on the first error (default: report it and go on, like pg_restore)")
	fs.BoolVar(&f.disableTriggers, "disable-triggers", false, "disable triggers while loading data (with -a)")
	f.out.bind(fs)
	return cmd
}

func (f *restoreFlags) options(cmd *cobra.Command) (restore.Options, error) {
	var o restore.Options
	switch {
	case f.schemaOnly && f.dataOnly:
		return o, usagef(cmd, "options -s/--schema-only and -a/--data-only cannot be used together")
	case f.ifExists && !f.clean:
		return o, usagef(cmd, "option --if-exists requires option -c/--clean")
	case f.clean && f.dataOnly:
		return o, usagef(cmd, "options -c/--clean and -a/--data-only cannot be used together")
	case f.singleTransaction && f.create:
		return o, usagef(cmd, "options -C/--create and -1/--single-transaction cannot be used together")
	case f.singleTransaction && f.jobs > 1:
		return o, usagef(cmd, "options -1/--single-transaction and -j/--jobs cannot be used together")
	case f.jobs < 1:
		return o, usagef(cmd, "invalid number of parallel jobs %d", f.jobs)
	case f.disableTriggers && !f.dataOnly:
		// pg_restore accepts it and ignores it outside data-only restores; so do we,
		// but say so.
		fmt.Fprintln(cmd.ErrOrStderr(), "pgstow: warning: --disable-triggers only matters with -a/--data-only")
	}
	sections, err := parseSections(cmd, f.sections)
	if err != nil {
		return o, err
	}
	o = restore.Options{
		Jobs:              f.jobs,
		Create:            f.create,
		Clean:             f.clean,
		IfExists:          f.ifExists,
		NoOwner:           f.noOwner,
		NoACL:             f.noACL,
		NoComments:        f.noComments,
		SchemaOnly:        f.schemaOnly,
		DataOnly:          f.dataOnly,
		SingleTransaction: f.singleTransaction,
		ExitOnError:       f.exitOnError,
		DisableTriggers:   f.disableTriggers,
		Role:              f.conn.role,
		Sections:          sections,
		Schemas:           f.schemas,
		Tables:            f.tables,
	}
	if f.useList != "" {
		ids, err := parseUseList(f.useList)
		if err != nil {
			return o, err
		}
		o.UseList = ids
	}
	return o, nil
}

func runRestore(cmd *cobra.Command, f *restoreFlags, path string) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	if f.format != "" {
		if _, err := parseReadFormat(cmd, f.format); err != nil {
			return err
		}
	}
	if f.list {
		a, err := openArchive(ctx, cmd.InOrStdin(), path)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := checkLayout(cmd, f.format, a); err != nil {
			return err
		}
		return format.List(cmd.OutOrStdout(), a, format.ListOptions{Verbose: f.out.verbose, Create: f.create})
	}
	dbGiven := f.conn.dbname != ""
	switch {
	case dbGiven && f.file != "":
		return usagef(cmd, "options -d/--dbname and -f/--file cannot be used together")
	case !dbGiven && f.file == "":
		return usagef(cmd, "one of -d/--dbname and -f/--file must be specified")
	}
	o, err := f.options(cmd)
	if err != nil {
		return err
	}
	o.Logger = f.out.logger(stderr)

	a, err := openArchive(ctx, cmd.InOrStdin(), path)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := checkLayout(cmd, f.format, a); err != nil {
		return err
	}

	if f.file != "" {
		return writeScriptFile(cmd, f.file, a, o)
	}

	cfg, err := f.conn.config()
	if err != nil {
		return err
	}
	prog := f.out.progress(stderr, "restoring")
	if prog != nil {
		o.Progress = prog
	}
	sum, err := restore.Run(ctx, cfg, a, o)
	if prog != nil {
		prog.Close()
	}
	if len(sum.Errors) > 0 && !(o.ExitOnError && len(sum.Errors) == 1 && errors.Is(err, sum.Errors[0])) {
		fmt.Fprintf(stderr, "pgstow: %d error(s) during restore:\n", len(sum.Errors))
		for _, e := range sum.Errors {
			fmt.Fprintf(stderr, "  %v\n", e)
		}
	}
	if !f.out.quiet {
		fmt.Fprintln(stderr, summaryLine("restored", int64(sum.Tables), sum.Rows, sum.Bytes, sum.Elapsed))
	}
	if errors.Is(err, restore.ErrIgnored) {
		return fmt.Errorf("errors ignored on restore: %d", len(sum.Errors))
	}
	return err
}

// writeScriptFile writes the plain SQL script to path ("-" = stdout) through a
// temporary file renamed when complete.
func writeScriptFile(cmd *cobra.Command, path string, a format.Archive, o restore.Options) error {
	ctx := cmd.Context()
	if path == "-" {
		bw := bufio.NewWriterSize(cmd.OutOrStdout(), 256<<10)
		if err := restore.WriteScript(ctx, bw, a, o); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeFileAtomic(path, func(w io.Writer) error { return restore.WriteScript(ctx, w, a, o) })
}

// writeFileAtomic writes a file through a temporary name in the same directory,
// renamed to path only when fill and the writes succeeded.
func writeFileAtomic(path string, fill func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".pgstow-tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
