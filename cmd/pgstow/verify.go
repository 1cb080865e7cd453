package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/ui"
)

// errProblems is returned by verify when the archive has defects; they were
// already printed.
var errProblems = errors.New("archive has problems")

func newVerifyCommand() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "verify [ARCHIVE|-]",
		Short: "Read every member of an archive and check sizes, checksums and COPY framing",
		Long: `verify reads every data member of an archive ("-" or nothing reads standard
input). For pgstow archives it compares each member's size and checksum with
pgstow.json, and row counts and chunk boundaries; for every archive it decompresses
each table's data and checks its COPY framing (one "\." terminator, at the end).
It prints a summary line and one line per problem, naming the member, and exits
with status 1 when there is any problem.`,
		Args: maxArgs(1, "one archive"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			ctx := cmd.Context()
			a, err := openArchive(ctx, cmd.InOrStdin(), path)
			if err != nil {
				return err
			}
			defer a.Close()
			res, err := format.Verify(ctx, a)
			if err != nil {
				return fmt.Errorf("verify: %w", err)
			}
			out := cmd.OutOrStdout()
			if path == "" {
				path = "-"
			}
			kind := "pg_dump archive, no checksums"
			if a.Extra() != nil {
				kind = fmt.Sprintf("pgstow archive, %d checksums compared", res.Checked)
			}
			status := "OK"
			if n := len(res.Problems); n > 0 {
				status = fmt.Sprintf("%d problem(s)", n)
			}
			if !quiet || len(res.Problems) > 0 {
				fmt.Fprintf(out, "%s: %s archive (%s): %d data members, %s, %d rows: %s\n",
					path, layoutName(a.Layout()), kind, res.Members, ui.HumanBytes(res.Bytes), res.Rows, status)
			}
			for _, p := range res.Problems {
				fmt.Fprintf(out, "  problem: %s\n", p)
			}
			if len(res.Problems) > 0 {
				return fmt.Errorf("%s: %w: %d problem(s)", path, errProblems, len(res.Problems))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing when the archive is sound")
	return cmd
}
