package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
)

// report is the whole run, written as JSON and as markdown.
type report struct {
	Date     string            `json:"date"`
	Machine  string            `json:"machine"`
	Server   string            `json:"server"`
	Clients  string            `json:"clients"`
	Pgstow   string            `json:"pgstow"`
	RSSFrom  string            `json:"peak_rss_from"`
	LoadAvg  string            `json:"load_average_at_start"` // from /proc/loadavg: 1, 5, 15 minutes
	Settings map[string]string `json:"server_settings"`
	Quick    bool              `json:"quick"`
	Rounds   int               `json:"rounds"`
	Jobs     int               `json:"jobs"`
	Datasets []*datasetReport  `json:"datasets"`
}

type datasetReport struct {
	Name         string    `json:"name"`
	Desc         string    `json:"description"`
	Tables       int       `json:"tables"`
	Rows         int64     `json:"rows"`
	DBBytes      int64     `json:"database_bytes"`
	CopyBytes    int64     `json:"copy_text_bytes"`
	BuildSeconds float64   `json:"build_seconds"`
	Error        string    `json:"error,omitempty"`
	Results      []*result `json:"results"`
}

// result is one contender on one dataset.
type result struct {
	Name          string  `json:"name"`
	Group         string  `json:"group"`
	Anchor        string  `json:"anchor,omitempty"`
	Ceiling       bool    `json:"ceiling,omitempty"`
	Runs          []run   `json:"runs"`
	Error         string  `json:"error,omitempty"`
	MedianSeconds float64 `json:"median_seconds,omitempty"`
	MBps          float64 `json:"mb_per_second,omitempty"`
	ArchiveBytes  int64   `json:"archive_bytes,omitempty"`
	PeakRSSKB     int64   `json:"peak_rss_kb,omitempty"`
	CPUSeconds    float64 `json:"median_client_cpu_seconds,omitempty"`
	VsAnchor      float64 `json:"vs_anchor,omitempty"`  // median / anchor's median
	VsCeiling     float64 `json:"vs_ceiling,omitempty"` // median / the fastest ceiling of the group
	// Medians of the restore phases (pre-data, data, post-data) in seconds.
	Phases []float64 `json:"restore_phases_seconds,omitempty"`
}

// finish computes medians, rates and ratios once every run is in.
func (d *datasetReport) finish() {
	byName := map[string]*result{}
	ceiling := map[string]*result{}
	for _, r := range d.Results {
		byName[r.Name] = r
		if r.Error != "" || len(r.Runs) == 0 {
			continue
		}
		secs, cpu := make([]float64, len(r.Runs)), make([]float64, len(r.Runs))
		for i, x := range r.Runs {
			secs[i], cpu[i] = x.Seconds, x.CPUSeconds
			r.PeakRSSKB = max(r.PeakRSSKB, x.RSSKB)
			r.ArchiveBytes = x.Bytes
		}
		r.MedianSeconds, r.CPUSeconds = median(secs), median(cpu)
		if r.Group == "restore" {
			var pre, data, post []float64
			for _, x := range r.Runs {
				if x.PreSeconds+x.DataSeconds > 0 {
					pre, data, post = append(pre, x.PreSeconds), append(data, x.DataSeconds), append(post, x.PostSeconds)
				}
			}
			if len(pre) > 0 {
				r.Phases = []float64{median(pre), median(data), median(post)}
			}
		}
		if r.MedianSeconds > 0 {
			r.MBps = float64(d.CopyBytes) / 1e6 / r.MedianSeconds
		}
		if c := ceiling[r.Group]; r.Ceiling && (c == nil || r.MedianSeconds < c.MedianSeconds) {
			ceiling[r.Group] = r
		}
	}
	for _, r := range d.Results {
		if r.MedianSeconds == 0 {
			continue
		}
		if a := byName[r.Anchor]; a != nil && a.MedianSeconds > 0 {
			r.VsAnchor = r.MedianSeconds / a.MedianSeconds
		}
		if c := ceiling[r.Group]; c != nil && c != r {
			r.VsCeiling = r.MedianSeconds / c.MedianSeconds
		}
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mb(n int64) string { return fmt.Sprintf("%.1f", float64(n)/1e6) }

func ratio(x float64) string {
	if x == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", x)
}

// writeMarkdown writes the run's header and one table per dataset.
func (r *report) writeMarkdown(w io.Writer) {
	fmt.Fprintf(w, "Run of %s (quick: %v, rounds: %d, jobs: %d). Ratios divide times (below 1: faster); "+
		"restore phases are pre-data / data / post-data as seen from the server.\n\n", r.Date, r.Quick, r.Rounds, r.Jobs)
	var settings []string
	for k, v := range r.Settings {
		settings = append(settings, k+"="+v)
	}
	sort.Strings(settings)
	fmt.Fprintf(w, "- machine: %s\n- load average at start: %s\n- server: %s\n- server settings: %s\n- clients: %s\n- pgstow: %s\n- peak RSS from: %s\n\n",
		r.Machine, r.LoadAvg, r.Server, strings.Join(settings, " "), r.Clients, r.Pgstow, r.RSSFrom)
	for _, d := range r.Datasets {
		fmt.Fprintf(w, "### %s\n\n%s. %d tables, %d rows, database %s MB, COPY text %s MB (the MB of MB/s); built in %.0f s.\n\n",
			d.Name, d.Desc, d.Tables, d.Rows, mb(d.DBBytes), mb(d.CopyBytes), d.BuildSeconds)
		if d.Error != "" {
			fmt.Fprintf(w, "**dataset failed**: %s\n\n", d.Error)
			continue
		}
		fmt.Fprintln(w, "| contender | median s | MB/s | archive MB | client CPU s | peak RSS MB | ÷ anchor | anchor | ÷ ceiling | restore phases s | result |")
		fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|---|--:|--:|---|")
		for _, x := range d.Results {
			status := "ok"
			if x.Error != "" {
				status = "**FAILED**: " + strings.ReplaceAll(head(x.Error, 200), "|", "/")
			}
			med, rate, size, cpu, rss := "", "", "", "", ""
			if x.MedianSeconds > 0 {
				med, rate = fmt.Sprintf("%.2f", x.MedianSeconds), fmt.Sprintf("%.0f", x.MBps)
				cpu = fmt.Sprintf("%.2f", x.CPUSeconds)
				rss = fmt.Sprintf("%.0f", float64(x.PeakRSSKB)/1024)
			}
			if x.ArchiveBytes > 0 {
				size = mb(x.ArchiveBytes)
			}
			phases := ""
			if len(x.Phases) == 3 {
				phases = fmt.Sprintf("%.1f / %.1f / %.1f", x.Phases[0], x.Phases[1], x.Phases[2])
			}
			fmt.Fprintf(w, "| %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", x.Group, x.Name, med, rate, size, cpu, rss,
				ratio(x.VsAnchor), x.Anchor, ratio(x.VsCeiling), phases, status)
		}
		fmt.Fprintln(w)
	}
}

func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// machine describes this host: CPU model, cores, memory, kernel.
func machine() string {
	cpu, mem := "unknown CPU", ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			var kb int64
			if n, _ := fmt.Sscanf(s.Text(), "MemTotal: %d kB", &kb); n == 1 {
				mem = fmt.Sprintf(", %.0f GB RAM", float64(kb)/1024/1024)
				break
			}
		}
		f.Close()
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%s, %d cores%s, Linux %s, %s", cpu, runtime.NumCPU(), mem,
		strings.TrimSpace(string(kernel)), runtime.Version())
}

// loadAverage returns the 1, 5 and 15 minute load averages and the 1-minute one.
func loadAverage() (string, float64) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown", 0
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown", 0
	}
	var one float64
	fmt.Sscan(f[0], &one)
	return strings.Join(f[:3], " "), one
}
