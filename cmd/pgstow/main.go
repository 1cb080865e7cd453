// Command pgstow dumps a PostgreSQL database into a pg_dump archive and restores
// pg_dump archives, without pg_dump or pg_restore installed. Flags are spelled like
// pg_dump's and pg_restore's.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// usageError is a mistake in how the command was called: it gets a hint.
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{cmd: cmd.CommandPath(), msg: fmt.Sprintf(format, args...)}
}

func newRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "pgstow",
		Short: "Dump and restore PostgreSQL databases as pg_dump archives, in parallel, without pg_dump",
		Long: `pgstow takes a logical backup of a PostgreSQL database (servers 12 through 18)
into a pg_dump archive, and restores pg_dump archives (its own and stock pg_dump's),
with parallel COPY streams. Flags are spelled like pg_dump's and pg_restore's:

  pgstow dump -F t mydb > backup.dump        # like: pg_dump -F t mydb > backup.dump
  pgstow restore -d mydb backup.dump         # like: pg_restore -d mydb backup.dump

Uncompressed tar and every directory archive are accepted by stock pg_restore.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetVersionTemplate("pgstow {{.Version}}\n")
	cobra.AddTemplateFunc("tidyFlags", tidyFlagUsages)
	root.SetUsageTemplate(strings.NewReplacer(
		".LocalFlags.FlagUsages |", ".LocalFlags.FlagUsages | tidyFlags |",
		".InheritedFlags.FlagUsages |", ".InheritedFlags.FlagUsages | tidyFlags |",
	).Replace(root.UsageTemplate()))
	// Unknown or malformed options are usage errors: they get the --help hint.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{cmd: c.CommandPath(), msg: err.Error()}
	})
	root.AddCommand(
		newDumpCommand(),
		newRestoreCommand(),
		newListCommand(),
		newVerifyCommand(),
	)
	return root
}

// exitCode maps an error to the process exit code, as pg_dump does: 0 ok, 1 any
// error; 130 when interrupted.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		return 130
	default:
		return 1
	}
}

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT says otherwise: the
// working set is small and bounded (copy buffers, spool blocks, compressors), so
// collecting earlier keeps peak RSS well under 64 MB on any database size.
const memoryLimit = 40 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand(os.Stdin, os.Stdout, os.Stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		err = &usageError{cmd: root.CommandPath(), msg: err.Error()}
	}
	if err != nil {
		var ue *usageError
		switch {
		case errors.As(err, &ue):
			fmt.Fprintf(os.Stderr, "pgstow: %v\nTry \"%s --help\" for more information.\n", err, ue.cmd)
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(os.Stderr, "pgstow: interrupted")
		default:
			fmt.Fprintf(os.Stderr, "pgstow: error: %v\n", err)
		}
	}
	os.Exit(exitCode(err))
}

// tidyFlagUsages drops pflag's "[=true|false]" after boolean flags (they are
// plain switches, as in pg_dump) and realigns the description column.
func tidyFlagUsages(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "[=true|false]", ""), "\n")
	type row struct{ left, right string }
	rows := make([]row, len(lines))
	width := 0
	for i, l := range lines {
		j := strings.Index(strings.TrimLeft(l, " "), "   ")
		if j < 0 {
			rows[i] = row{left: l}
			continue
		}
		j += len(l) - len(strings.TrimLeft(l, " "))
		rows[i] = row{left: l[:j], right: strings.TrimLeft(l[j:], " ")}
		width = max(width, len(rows[i].left))
	}
	for i, r := range rows {
		if r.right == "" {
			lines[i] = r.left
			continue
		}
		lines[i] = r.left + strings.Repeat(" ", width-len(r.left)+3) + r.right
	}
	return strings.Join(lines, "\n")
}
