package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgstow/pgstow/format"
)

func TestReadUseList(t *testing.T) {
	list := `;
; Archive created at 2026-01-01 00:00:00 UTC
;     dbname: x
;
215; 1259 16390 TABLE public t postgres
; 216; 1259 16391 TABLE public skipped postgres
3;2615 2200 SCHEMA - public pg_database_owner

  4000   ; trailing comment
215; 1259 16390 TABLE public t postgres
12
`
	ids, err := readUseList(strings.NewReader(list), "l")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{215, 3, 4000, 12}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	for _, bad := range []string{"abc; TABLE\n", "0; x\n", "99999999999999999999; x\n"} {
		if _, err := readUseList(strings.NewReader(bad), "bad.list"); err == nil || !strings.Contains(err.Error(), "bad.list line 1") {
			t.Errorf("%q: err %v, want one naming bad.list line 1", bad, err)
		}
	}
}

func TestParseLockTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"":      0,
		"1500":  1500 * time.Millisecond,
		"0":     0,
		"30s":   30 * time.Second,
		"250ms": 250 * time.Millisecond,
		"2min":  2 * time.Minute,
		"2m":    2 * time.Minute,
		"1h":    time.Hour,
		"1d":    24 * time.Hour,
		"1.5s":  1500 * time.Millisecond,
		"1m30s": 90 * time.Second,
	} {
		got, err := parseLockTimeout(in)
		if err != nil || got != want {
			t.Errorf("parseLockTimeout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"soon", "-5", "5 parsecs", "-1s"} {
		if _, err := parseLockTimeout(in); err == nil {
			t.Errorf("parseLockTimeout(%q): no error", in)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1000": 1000, "64kB": 64 << 10, "256MB": 256 << 20, "1GB": 1 << 30,
		"2GiB": 2 << 30, "1 TB": 1 << 40, "-1": -1, "10b": 10,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "5 parsecs", "99999999999TB", "1.5GB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

// planOf parses dump arguments as the command does and returns the plan.
func planOf(t *testing.T, args ...string) (*dumpPlan, error) {
	t.Helper()
	f := &dumpFlags{}
	cmd := newDumpCommandWith(f)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return f.plan(cmd)
}

func TestDumpPlan(t *testing.T) {
	p, err := planOf(t, "-n", "app", "-N", "tmp", "-t", "app.t*", "-T", "app.tx", "--exclude-table-data", "app.log",
		"-x", "--no-comments", "-B", "--lock-wait-timeout", "5000", "--snapshot", "00000003-0000001B-1", "-j", "3",
		"--split-size", "64MB", "--role", "r")
	if err != nil {
		t.Fatal(err)
	}
	o := p.opts
	f := o.Catalog.Filter
	if !slices.Equal(f.IncludeSchemas, []string{"app"}) || !slices.Equal(f.ExcludeSchemas, []string{"tmp"}) ||
		!slices.Equal(f.IncludeTables, []string{"app.t*"}) || !slices.Equal(f.ExcludeTables, []string{"app.tx"}) ||
		!slices.Equal(f.ExcludeTableData, []string{"app.log"}) {
		t.Errorf("filter %+v", f)
	}
	if !o.Catalog.NoACL || !o.Catalog.NoComments || !o.Catalog.NoBlobs || o.Catalog.SchemaOnly || o.Catalog.DataOnly {
		t.Errorf("catalog options %+v", o.Catalog)
	}
	if o.LockWaitTimeout != 5*time.Second || o.Snapshot != "00000003-0000001B-1" || o.Jobs != 3 || o.SplitBytes != 64<<20 || o.Role != "r" {
		t.Errorf("options %+v", o)
	}
	if p.layout != format.LayoutUnknown || p.compression.Algorithm != format.AlgNone {
		t.Errorf("default format: layout %v compression %v, want plain, none", p.layout, p.compression)
	}

	for _, c := range []struct {
		args             []string
		layout           format.Layout
		alg              format.Algorithm
		schemaOnly, data bool
		sections         []format.Section
	}{
		{[]string{"-F", "t"}, format.LayoutTar, format.AlgNone, false, false, nil},
		{[]string{"-F", "directory", "-f", "x"}, format.LayoutDirectory, format.AlgGzip, false, false, nil},
		{[]string{"-Fd", "-f", "x", "-Z", "0"}, format.LayoutDirectory, format.AlgNone, false, false, nil},
		{[]string{"-F", "tar", "-Z", "lz4"}, format.LayoutTar, format.AlgLZ4, false, false, nil},
		{[]string{"-s"}, format.LayoutUnknown, format.AlgNone, true, false, nil},
		{[]string{"-F", "t", "-a"}, format.LayoutTar, format.AlgNone, false, true, nil},
		{[]string{"-F", "t", "--section", "data"}, format.LayoutTar, format.AlgNone, false, true, nil},
		{[]string{"-F", "t", "--section", "pre-data", "--section", "post-data"}, format.LayoutTar, format.AlgNone, true, false, nil},
		{[]string{"-F", "t", "--section=pre-data,data,post-data"}, format.LayoutTar, format.AlgNone, false, false, nil},
		{[]string{"--section", "pre-data"}, format.LayoutUnknown, format.AlgNone, true, false, []format.Section{format.SectionPreData}},
		{[]string{"--section", "data", "--section", "post-data"}, format.LayoutUnknown, format.AlgNone, false, false, []format.Section{format.SectionData, format.SectionPostData}},
		{[]string{"-s", "--section", "post-data", "--section", "data"}, format.LayoutUnknown, format.AlgNone, true, false, []format.Section{format.SectionPostData}},
	} {
		p, err := planOf(t, c.args...)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if p.layout != c.layout || p.compression.Algorithm != c.alg || p.opts.Catalog.SchemaOnly != c.schemaOnly ||
			p.opts.Catalog.DataOnly != c.data || !slices.Equal(p.script.Sections, c.sections) {
			t.Errorf("%v: layout %v alg %v schemaOnly %v dataOnly %v sections %v", c.args, p.layout, p.compression.Algorithm,
				p.opts.Catalog.SchemaOnly, p.opts.Catalog.DataOnly, p.script.Sections)
		}
	}
	if _, err := planOf(t, "-a", "--section", "pre-data"); err == nil {
		t.Error("-a --section pre-data: no error, want 'no section'")
	}
}
