package restore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pgstow/pgstow/format"
)

// Restore passes, as in pg_restore: everything else, then privileges, then what
// must see the final privileges (event triggers, matview refreshes).
const (
	passMain = iota
	passACL
	passPostACL
)

// settings are the session settings an archive carries in its ENCODING,
// STDSTRINGS and SEARCHPATH entries.
type settings struct {
	encoding      string // "" when the archive has no ENCODING entry (SQL_ASCII)
	stdStrings    string // "on", "off" or ""
	searchPath    string // SEARCHPATH defn, replayed verbatim
	hasSearchPath bool
}

// job is one selected TOC entry and the parts of it to run.
type job struct {
	e       *format.Entry
	order   int  // position in restore order
	schema  bool // run the definition (and owner)
	data    bool // data part: COPY / blobs, or the defn of data-like entries
	pass    int
	section format.Section // effective section (NONE entries take the preceding one's)

	// A PRIMARY KEY / UNIQUE constraint run as a unique index build followed by
	// ADD CONSTRAINT ... USING INDEX (parallel restores only).
	splitIndex, splitAttach string
}

// runsDefn reports whether the job executes the entry's definition.
func (j *job) runsDefn() bool {
	return j.schema || (j.data && !j.e.HadDumper)
}

func restorePass(e *format.Entry) int {
	switch e.Desc {
	case "ACL", "ACL LANGUAGE", "DEFAULT ACL":
		return passACL
	case "EVENT TRIGGER", "MATERIALIZED VIEW DATA":
		return passPostACL
	case "COMMENT":
		if strings.HasPrefix(e.Tag, "EVENT TRIGGER ") {
			return passPostACL
		}
	}
	return passMain
}

// readSettings extracts the session settings from the special entries.
func readSettings(toc *format.TOC) (settings, error) {
	var s settings
	for _, e := range toc.Entries {
		switch e.Desc {
		case "ENCODING":
			enc, ok := firstQuoted(e.Defn)
			if !ok || enc == "" {
				return s, fmt.Errorf("%w: invalid ENCODING item: %q", format.ErrCorrupt, e.Defn)
			}
			s.encoding = enc
		case "STDSTRINGS":
			i := strings.IndexByte(e.Defn, '\'')
			switch {
			case i >= 0 && strings.HasPrefix(e.Defn[i+1:], "on'"):
				s.stdStrings = "on"
			case i >= 0 && strings.HasPrefix(e.Defn[i+1:], "off'"):
				s.stdStrings = "off"
			default:
				return s, fmt.Errorf("%w: invalid STDSTRINGS item: %q", format.ErrCorrupt, e.Defn)
			}
		case "SEARCHPATH":
			s.searchPath = e.Defn
			s.hasSearchPath = true
		}
	}
	return s, nil
}

func firstQuoted(s string) (string, bool) {
	i := strings.IndexByte(s, '\'')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(s[i+1:], '\'')
	if j < 0 {
		return "", false
	}
	return s[i+1 : i+1+j], true
}

func isSpecial(e *format.Entry) bool {
	switch e.Desc {
	case "ENCODING", "STDSTRINGS", "SEARCHPATH":
		return true
	case "<Init>":
		return e.Tag == "Max OID"
	}
	return false
}

// isDataLike reports entries that count as data though they have no payload.
func isDataLike(e *format.Entry) bool {
	switch e.Desc {
	case "SEQUENCE SET", "BLOB", "BLOB METADATA":
		return true
	case "ACL", "COMMENT", "SECURITY LABEL":
		return strings.HasPrefix(e.Tag, "LARGE OBJECT")
	}
	return false
}

func isDatabaseEntry(e *format.Entry) bool {
	switch e.Desc {
	case "DATABASE", "DATABASE PROPERTIES":
		return true
	case "ACL", "COMMENT", "SECURITY LABEL":
		return strings.HasPrefix(e.Tag, "DATABASE ")
	}
	return false
}

var tableDescs = map[string]bool{
	"TABLE": true, "TABLE DATA": true, "VIEW": true, "FOREIGN TABLE": true,
	"MATERIALIZED VIEW": true, "MATERIALIZED VIEW DATA": true, "SEQUENCE": true, "SEQUENCE SET": true,
}

// plan selects the entries to restore, in restore order (TOC order, or the order
// of UseList), and decides which parts of each run (pg_restore's
// _tocEntryRequired). Unknown or repeated UseList ids are returned as warnings.
func plan(toc *format.TOC, o *Options) ([]*job, []string) {
	var warnings []string
	entries := toc.Entries
	if len(o.UseList) > 0 {
		seen := map[int]bool{}
		byID := make(map[int]*format.Entry, len(toc.Entries))
		for _, e := range toc.Entries {
			byID[e.DumpID] = e
		}
		entries = nil
		for _, id := range o.UseList {
			e := byID[id]
			switch {
			case e == nil:
				warnings = append(warnings, fmt.Sprintf("could not find entry for ID %d", id))
				continue
			case seen[id]:
				warnings = append(warnings, fmt.Sprintf("entry ID %d listed twice", id))
				continue
			}
			seen[id] = true
			entries = append(entries, e)
		}
	}
	filtered := len(o.Schemas) > 0 || len(o.Tables) > 0
	selected := map[int]bool{}
	var jobs []*job
	cur := format.SectionPreData
	for _, e := range entries {
		if e.Section != format.SectionNone && e.Section != 0 {
			cur = e.Section
		}
		if isSpecial(e) {
			continue
		}
		j := &job{e: e, pass: restorePass(e), section: cur}
		if !want(e, cur, o, filtered, selected) {
			continue
		}
		data := e.HadDumper || isDataLike(e)
		schema := !isDataLike(e) && e.Defn != "" && !strings.HasPrefix(e.Defn, "-- load via partition root ")
		if e.Desc == "BLOB METADATA" {
			schema = false
		}
		if o.SchemaOnly {
			data = false
		}
		if o.DataOnly {
			schema = false
		}
		j.schema, j.data = schema, data
		if !j.runsDefn() && !(j.data && e.HadDumper) {
			continue
		}
		selected[e.DumpID] = true
		j.order = len(jobs)
		jobs = append(jobs, j)
	}
	return jobs, warnings
}

// want applies the options that select entries by kind, section and name.
func want(e *format.Entry, section format.Section, o *Options, filtered bool, selected map[int]bool) bool {
	if isDatabaseEntry(e) {
		// Database-level entries react to --create only, not to the filters.
		switch {
		case !o.Create:
			return false
		case e.Desc == "ACL":
			return !o.NoACL
		case e.Desc == "COMMENT":
			return !o.NoComments
		}
		return true
	}
	switch e.Desc {
	case "ACL", "ACL LANGUAGE", "DEFAULT ACL":
		if o.NoACL {
			return false
		}
	case "COMMENT", "BLOB COMMENTS":
		if o.NoComments {
			return false
		}
	}
	if len(o.Sections) > 0 && !slices.Contains(o.Sections, section) {
		return false
	}
	if !filtered {
		return true
	}
	// With -n/-t, comments, privileges and labels follow their parent object.
	switch e.Desc {
	case "ACL", "COMMENT", "SECURITY LABEL":
		if len(e.Deps) == 1 {
			return selected[e.Deps[0]]
		}
	}
	if len(o.Schemas) > 0 && (e.Namespace == "" || !slices.Contains(o.Schemas, e.Namespace)) {
		return false
	}
	if len(o.Tables) > 0 {
		if !tableDescs[e.Desc] {
			return false
		}
		return slices.Contains(o.Tables, e.Tag)
	}
	return true
}
