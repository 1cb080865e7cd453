package restore

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pgstow/pgstow/format"
)

// Options selects what Run restores and how. The zero value restores everything
// serially, keeps owners and privileges and continues after errors.
type Options struct {
	Jobs              int  // parallel connections for data and post-data; <= 1 is serial
	Create            bool // run the DATABASE entry on the initial connection, then reconnect to it
	Clean             bool // drop objects (reverse TOC order) before creating them
	IfExists          bool // with Clean: DROP ... IF EXISTS
	NoOwner           bool // no ALTER ... OWNER TO
	NoACL             bool // skip ACL and DEFAULT ACL entries
	NoComments        bool // skip COMMENT entries
	SchemaOnly        bool
	DataOnly          bool
	SingleTransaction bool // everything in one transaction; implies ExitOnError and Jobs = 1
	ExitOnError       bool // stop at the first error instead of collecting them
	DisableTriggers   bool // with DataOnly: ALTER TABLE ... DISABLE TRIGGER ALL around each load
	Role              string
	Sections          []format.Section // empty = all
	Schemas           []string         // -n: exact namespace names
	Tables            []string         // -t: exact table/view/sequence names (tags)
	UseList           []int            // -L: dumpIds to restore, in this order
	Progress          Progress
	Logger            *slog.Logger
}

// Progress receives data-loading progress. Calls come from several goroutines.
type Progress interface {
	TableStarted(name string, bytes int64)
	Add(name string, bytes, rows int64)
	TableDone(name string, err error)
}

// Summary describes a finished restore.
type Summary struct {
	Entries int   // TOC entries run without error
	Tables  int   // TABLE DATA entries loaded without error
	Rows    int64 // rows loaded by COPY
	Bytes   int64 // COPY text bytes sent
	Errors  []error
	Elapsed time.Duration
}

// ErrIgnored is returned (wrapped) by Run when some entries failed and ExitOnError
// was not set: the restore went on like pg_restore's default, and Summary.Errors
// lists every failure.
var ErrIgnored = errors.New("errors ignored on restore")

// EntryError is the failure of one step of one TOC entry.
type EntryError struct {
	DumpID    int
	Desc      string
	Namespace string
	Tag       string
	Step      string // "drop", "create", "owner", "acl", "comment", "copy", "blobs", "connect", …
	Err       error
}

func (e *EntryError) Error() string {
	ns := e.Namespace
	if ns == "" {
		ns = "-"
	}
	return fmt.Sprintf("TOC entry %d; %s %s %s: %s: %v", e.DumpID, e.Desc, ns, e.Tag, e.Step, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

func entryErr(e *format.Entry, step string, err error) error {
	return &EntryError{DumpID: e.DumpID, Desc: e.Desc, Namespace: e.Namespace, Tag: e.Tag, Step: step, Err: err}
}

// stepOf names the step that runs an entry's definition.
func stepOf(e *format.Entry) string {
	switch e.Desc {
	case "ACL", "DEFAULT ACL", "ACL LANGUAGE":
		return "acl"
	case "COMMENT":
		return "comment"
	case "SEQUENCE SET":
		return "setval"
	}
	return "create"
}

// qualifiedName is "schema.tag" (or just tag) for messages and progress.
func qualifiedName(e *format.Entry) string {
	if e.Namespace == "" {
		return e.Tag
	}
	return e.Namespace + "." + e.Tag
}

type nopProgress struct{}

func (nopProgress) TableStarted(string, int64) {}
func (nopProgress) Add(string, int64, int64)   {}
func (nopProgress) TableDone(string, error)    {}

func hasPrefix(s, p string) bool { return strings.HasPrefix(s, p) }
