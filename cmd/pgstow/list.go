package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/pgstow/pgstow/format"
)

func newListCommand() *cobra.Command {
	var verbose, create bool
	cmd := &cobra.Command{
		Use:   "list [ARCHIVE|-]",
		Short: "Print an archive's table of contents, like pg_restore -l",
		Long: `list prints the table of contents of a pg_dump or pgstow archive (tar file,
directory or custom-format file; "-" or nothing reads standard input) in the text
pg_restore -l prints. The output can be edited and given to "pgstow restore -L".`,
		Args: maxArgs(1, "one archive"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			return runList(cmd.Context(), cmd, path, format.ListOptions{Verbose: verbose, Create: create})
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&verbose, "verbose", "v", false, "also list the entries pg_restore hides, with their dependencies")
	fs.BoolVarP(&create, "create", "C", false, "list the DATABASE entries, as pg_restore -l -C")
	return cmd
}

func runList(ctx context.Context, cmd *cobra.Command, path string, o format.ListOptions) error {
	a, err := openArchive(ctx, cmd.InOrStdin(), path)
	if err != nil {
		return err
	}
	defer a.Close()
	return format.List(cmd.OutOrStdout(), a, o)
}

// openArchive opens a file or directory archive, or reads one from stdin when path
// is "" or "-".
func openArchive(ctx context.Context, stdin io.Reader, path string) (format.Archive, error) {
	if path == "" || path == "-" {
		a, err := format.OpenStream(ctx, stdin)
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	a, err := format.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// checkLayout compares -F with the archive's detected layout ("" accepts any).
func checkLayout(cmd *cobra.Command, flag string, a format.Archive) error {
	if flag == "" {
		return nil
	}
	want, err := parseReadFormat(cmd, flag)
	if err != nil {
		return err
	}
	if got := a.Layout(); got != want {
		return fmt.Errorf("-F %s: the archive is a %s archive, not %s", flag, layoutName(got), layoutName(want))
	}
	return nil
}

func parseReadFormat(cmd *cobra.Command, f string) (format.Layout, error) {
	switch f {
	case "t", "tar":
		return format.LayoutTar, nil
	case "d", "directory":
		return format.LayoutDirectory, nil
	case "c", "custom":
		return format.LayoutCustom, nil
	}
	return format.LayoutUnknown, usagef(cmd, "unrecognized archive format %q; please specify \"c\", \"d\", or \"t\"", f)
}
