package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/ui"
)

// outputFlags are -v and -q, shared by dump and restore.
type outputFlags struct {
	verbose bool
	quiet   bool
}

func (o *outputFlags) bind(fs *pflag.FlagSet) {
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "verbose mode: debug log lines on stderr")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress and no summary line")
}

// logger logs to stderr: with -v every record, timestamped; else warnings and
// errors only, as "pgstow: warning: ..." lines.
func (o *outputFlags) logger(stderr io.Writer) *slog.Logger {
	if o.verbose {
		return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(&lineHandler{w: stderr, mu: &sync.Mutex{}})
}

// lineHandler writes warnings and errors as one plain line each.
type lineHandler struct {
	w     io.Writer
	mu    *sync.Mutex
	attrs []slog.Attr
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("pgstow: ")
	if r.Level >= slog.LevelError {
		b.WriteString("error: ")
	} else {
		b.WriteString("warning: ")
	}
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		if a.Key == "err" || a.Key == "error" {
			b.WriteString(": " + a.Value.String())
		} else if a.Key != "" {
			b.WriteString(" " + a.Key + "=" + a.Value.String())
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &n
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }

// progress returns the live progress display, or nil with -q. With -v the
// periodic log lines would interleave with debug output; bars still work on a tty.
func (o *outputFlags) progress(stderr io.Writer, verb string) *ui.Progress {
	if o.quiet {
		return nil
	}
	return ui.NewProgress(stderr, ui.IsTerminal(stderr), verb)
}

// summaryLine is the one line printed at the end of a dump or restore.
func summaryLine(verb string, tables, rows, bytes int64, elapsed time.Duration) string {
	secs := elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(bytes) / 1e6 / secs
	}
	return fmt.Sprintf("pgstow: %s %d tables, %d rows, %s in %.1f s (%.1f MB/s)",
		verb, tables, rows, ui.HumanBytes(bytes), secs, rate)
}

// parseSections reads --section values (each may also be a comma list).
func parseSections(cmd *cobra.Command, vals []string) ([]format.Section, error) {
	var out []format.Section
	seen := map[format.Section]bool{}
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			var sec format.Section
			switch strings.TrimSpace(s) {
			case "pre-data":
				sec = format.SectionPreData
			case "data":
				sec = format.SectionData
			case "post-data":
				sec = format.SectionPostData
			default:
				return nil, usagef(cmd, "unrecognized section name: %q (want pre-data, data or post-data)", s)
			}
			if !seen[sec] {
				seen[sec] = true
				out = append(out, sec)
			}
		}
	}
	return out, nil
}

// parseLockTimeout reads --lock-wait-timeout as pg_dump passes it to the server's
// lock_timeout: a bare number is milliseconds; a number with a unit (ms, s, min, h,
// d, or Go's m) is a duration.
func parseLockTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("invalid --lock-wait-timeout %q: negative", s)
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return !(unicode.IsDigit(r) || r == '.') })
	if i > 0 {
		num, unit := s[:i], strings.TrimSpace(s[i:])
		f, err := strconv.ParseFloat(num, 64)
		if err == nil {
			mult := time.Duration(0)
			switch unit {
			case "us":
				mult = time.Microsecond
			case "ms":
				mult = time.Millisecond
			case "s":
				mult = time.Second
			case "min", "m":
				mult = time.Minute
			case "h":
				mult = time.Hour
			case "d":
				mult = 24 * time.Hour
			}
			if mult != 0 {
				return time.Duration(f * float64(mult)), nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid --lock-wait-timeout %q: want milliseconds or a duration such as 30s", s)
	}
	return d, nil
}

// parseSize reads a byte size: a bare number of bytes, or a number with kB, MB,
// GB, TB (1024-based, as PostgreSQL's memory units) or KiB, MiB, GiB, TiB.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !(unicode.IsDigit(r) || r == '-') })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: want bytes or a number with kB, MB, GB or TB", s)
	}
	var mult int64
	switch strings.ToLower(unit) {
	case "", "b":
		mult = 1
	case "k", "kb", "kib":
		mult = 1 << 10
	case "m", "mb", "mib":
		mult = 1 << 20
	case "g", "gb", "gib":
		mult = 1 << 30
	case "t", "tb", "tib":
		mult = 1 << 40
	default:
		return 0, fmt.Errorf("invalid size %q: unknown unit %q", s, unit)
	}
	if n > 0 && n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return n * mult, nil
}

// parseUseList reads a -L list file as pg_restore does: each line that is not a
// comment starts with a dumpId (optionally followed by "; ..." text); ";" starts a
// comment; blank lines are skipped. The result keeps the file's order.
func parseUseList(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-L: %w", err)
	}
	defer f.Close()
	return readUseList(f, path)
}

func readUseList(r io.Reader, name string) ([]int, error) {
	var ids []int
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	seen := map[int]bool{}
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if c := strings.IndexByte(s, ';'); c >= 0 {
			s = strings.TrimSpace(s[:c])
		}
		if s == "" {
			continue
		}
		end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
		if end < 0 {
			end = len(s)
		}
		if end == 0 {
			return nil, fmt.Errorf("-L %s line %d: line does not start with a dump ID: %q", name, line, sc.Text())
		}
		id, err := strconv.Atoi(s[:end])
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("-L %s line %d: invalid dump ID %q", name, line, s[:end])
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("-L %s: %w", name, err)
	}
	return ids, nil
}

// layoutName names an archive layout as -F spells it.
func layoutName(l format.Layout) string {
	switch l {
	case format.LayoutTar:
		return "tar"
	case format.LayoutDirectory:
		return "directory"
	case format.LayoutCustom:
		return "custom"
	}
	return "unknown"
}

// exactArgs is cobra's MaximumNArgs with a usage error.
func maxArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef(cmd, "too many command-line arguments (first is %q); expected at most %s", args[n], what)
		}
		return nil
	}
}
