// Package ui renders progress for the CLI: live bars on a terminal (overall bytes
// and rows with an ETA, one line per busy table), periodic log lines otherwise.
// The libraries report through their nil-safe Progress interfaces; this package
// implements them and is never imported by the libraries.
package ui

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Progress tracks tables in flight and totals. It is safe for concurrent use.
type Progress struct {
	out      io.Writer
	tty      bool
	verb     string // "dumping", "restoring"
	interval time.Duration

	total   atomic.Int64 // estimated bytes, 0 if unknown
	bytes   atomic.Int64
	rows    atomic.Int64
	tables  atomic.Int64
	done    atomic.Int64
	started time.Time

	mu     sync.Mutex
	active map[string]*tableState
	step   string
	lines  int // lines drawn last time (tty)

	stop chan struct{}
	wg   sync.WaitGroup
}

type tableState struct {
	est, bytes int64
	since      time.Time
}

// NewProgress renders to out: bars when tty, else a log line every interval.
func NewProgress(out io.Writer, tty bool, verb string) *Progress {
	interval := 10 * time.Second
	if tty {
		interval = 200 * time.Millisecond
	}
	return newProgress(out, tty, verb, interval)
}

func newProgress(out io.Writer, tty bool, verb string, interval time.Duration) *Progress {
	p := &Progress{out: out, tty: tty, verb: verb, interval: interval,
		active: map[string]*tableState{}, started: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go p.loop()
	return p
}

// SetTotal sets the estimated total bytes, for the ETA.
func (p *Progress) SetTotal(bytes int64) { p.total.Store(bytes) }

// SetTables sets the number of tables to process.
func (p *Progress) SetTables(n int64) { p.tables.Store(n) }

// TableStarted marks a table (or one part of it) as in flight.
func (p *Progress) TableStarted(name string, estBytes int64) {
	p.mu.Lock()
	p.active[name] = &tableState{est: estBytes, since: time.Now()}
	p.mu.Unlock()
}

// Add counts bytes and rows moved for a table.
func (p *Progress) Add(name string, bytes, rows int64) {
	p.bytes.Add(bytes)
	p.rows.Add(rows)
	p.mu.Lock()
	if st := p.active[name]; st != nil {
		st.bytes += bytes
	}
	p.mu.Unlock()
}

// TableDone marks a table as finished.
func (p *Progress) TableDone(name string, err error) {
	p.done.Add(1)
	p.mu.Lock()
	delete(p.active, name)
	p.mu.Unlock()
}

// Step names the current phase ("pre-data", "indexes", …).
func (p *Progress) Step(name string) {
	p.mu.Lock()
	p.step = name
	p.mu.Unlock()
}

// Close stops rendering and clears the bars.
func (p *Progress) Close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.wg.Wait()
	if p.tty {
		p.mu.Lock()
		p.clear()
		p.mu.Unlock()
	}
}

func (p *Progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.render()
		}
	}
}

func (p *Progress) clear() {
	if p.lines > 0 {
		fmt.Fprintf(p.out, "\x1b[%dA\x1b[J", p.lines)
		p.lines = 0
	}
}

func (p *Progress) render() {
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := time.Since(p.started)
	bytes, rows, total := p.bytes.Load(), p.rows.Load(), p.total.Load()
	head := fmt.Sprintf("%s: %s, %d rows, %d/%d tables, %s, %s/s",
		p.verb, HumanBytes(bytes), rows, p.done.Load(), p.tables.Load(),
		elapsed.Round(time.Second), HumanBytes(int64(float64(bytes)/max(elapsed.Seconds(), 0.001))))
	if p.step != "" {
		head += ", " + p.step
	}
	if !p.tty {
		fmt.Fprintln(p.out, head)
		return
	}
	var b strings.Builder
	if total > 0 {
		frac := min(float64(bytes)/float64(total), 1)
		eta := ""
		if frac > 0.01 {
			eta = " ETA " + (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second).String()
		}
		fmt.Fprintf(&b, "%s %3.0f%%%s\n", bar(frac, 30), frac*100, eta)
	}
	b.WriteString(head + "\n")
	names := make([]string, 0, len(p.active))
	for n := range p.active {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := p.active[n]
		line := fmt.Sprintf("  %s %s", n, HumanBytes(st.bytes))
		if st.est > 0 {
			line += " of ~" + HumanBytes(st.est)
		}
		b.WriteString(line + "\n")
	}
	p.clear()
	fmt.Fprint(p.out, b.String())
	p.lines = strings.Count(b.String(), "\n")
}

func bar(frac float64, width int) string {
	n := int(frac * float64(width))
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

// HumanBytes formats a byte count with binary units.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
