package format

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ListOptions shapes List's output.
type ListOptions struct {
	// Verbose adds the entries pg_restore hides (ENCODING, STDSTRINGS, SEARCHPATH,
	// DATABASE) and a "depends on" line per entry, like pg_restore -l -v.
	Verbose bool
	// Create lists the DATABASE entries, as pg_restore -l -C does.
	Create bool
}

// List writes the archive's table of contents as pg_restore -l prints it; the output
// can be edited and given back with -L.
func List(w io.Writer, a Archive, o ListOptions) error {
	toc := a.TOC()
	h := toc.Header
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p(";\n; Archive created at %s\n", h.Created.Format("2006-01-02 15:04:05 MST"))
	p(";     dbname: %s\n", h.DBName)
	p(";     TOC Entries: %d\n", len(toc.Entries))
	if h.Version >= Version1_15 {
		p(";     Compression: %s\n", h.Compression.Algorithm)
	} else {
		lvl := 0
		if h.Compression.Algorithm == AlgGzip {
			lvl = h.Compression.Level
			if lvl == 0 {
				lvl = -1
			}
		}
		p(";     Compression: %d\n", lvl)
	}
	p(";     Dump Version: %s\n", h.Version)
	switch a.Layout() {
	case LayoutCustom:
		p(";     Format: CUSTOM\n")
	case LayoutDirectory:
		p(";     Format: DIRECTORY\n")
	default:
		p(";     Format: TAR\n")
	}
	p(";     Integer: %d bytes\n", h.IntSize)
	p(";     Offset: %d bytes\n", h.OffSize)
	p(";     Dumped from database version: %s\n", h.ServerVersion)
	p(";     Dumped by pg_dump version: %s\n", h.DumpVersion)
	p(";\n;\n; Selected TOC Entries:\n;\n")
	for _, e := range toc.Entries {
		if !o.Verbose && hiddenInList(e, o.Create) {
			continue
		}
		ns := e.Namespace
		if ns == "" {
			ns = "-"
		}
		p("%d; %d %d %s %s %s %s\n", e.DumpID, e.TableOID, e.OID, oneLine(e.Desc), oneLine(ns), oneLine(e.Tag), oneLine(e.Owner))
		if o.Verbose && len(e.Deps) > 0 {
			p(";\tdepends on:")
			for _, d := range e.Deps {
				p(" %d", d)
			}
			p("\n")
		}
	}
	return bw.Flush()
}

// hiddenInList reports the entries pg_restore -l leaves out: those processed while
// reading the TOC, and the database-level ones unless --create.
func hiddenInList(e *Entry, create bool) bool {
	switch e.Desc {
	case "ENCODING", "STDSTRINGS", "SEARCHPATH":
		return true
	case "DATABASE", "DATABASE PROPERTIES":
		return !create
	}
	if (e.Desc == "COMMENT" || e.Desc == "ACL" || e.Desc == "SECURITY LABEL") && strings.HasPrefix(e.Tag, "DATABASE ") {
		return !create
	}
	return false
}

// oneLine shows newlines in names as spaces, as pg_restore -l does.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}
