package dump

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/pgstow/pgstow/catalog"
)

// DefaultSplitBytes is the part size of a split table when Options.SplitBytes is 0.
const DefaultSplitBytes int64 = 256 << 20

// maxParts caps the parts of one table: each part costs a query and (for tar) maybe a
// spool file, and beyond a few hundred parts nothing gets faster.
const maxParts = 512

// Options configures Run. The zero value dumps everything a plain pg_dump would,
// with GOMAXPROCS connections.
type Options struct {
	// Jobs is the number of connections that stream data, the leader included.
	// 0 means runtime.GOMAXPROCS(0).
	Jobs int
	// SplitBytes: a table larger than this is dumped as several ctid ranges of about
	// this size (servers 14+). 0 means DefaultSplitBytes; negative never splits.
	SplitBytes int64
	// Catalog selects what is dumped (filters, schema-only, data-only, …).
	Catalog catalog.Options
	// Serializable runs the leader transaction as SERIALIZABLE, READ ONLY,
	// DEFERRABLE (pg_dump --serializable-deferrable): it waits for a snapshot free of
	// serialization anomalies. Ignored with Snapshot; an error on a hot standby.
	Serializable bool
	// Snapshot imports this exported snapshot (pg_dump --snapshot) instead of
	// exporting a new one. "" exports one.
	Snapshot string
	// LockWaitTimeout fails the dump when a table's ACCESS SHARE lock is not granted
	// within this time (pg_dump --lock-wait-timeout). 0 waits forever.
	LockWaitTimeout time.Duration
	// Role, if set, is SET ROLE on every connection (pg_dump --role).
	Role string
	// Progress receives per-table progress; nil reports nothing.
	Progress Progress
	// Logger receives debug and info records; nil discards them.
	Logger *slog.Logger
	// DumpVersion is the "dumped by" text of the archive header and the tool of the
	// extra member. "" means "pgstow".
	DumpVersion string
}

// Summary is what Run moved.
type Summary struct {
	Tables  int64 // TABLE DATA entries dumped (a split table counts once)
	Rows    int64
	Bytes   int64 // COPY text bytes before compression, large objects included
	Elapsed time.Duration
}

// Progress receives progress reports; it must be safe for concurrent use. Each part
// of a split table is reported as its own item, named `<table> part i/n`.
//
// If a Progress also has SetTables(int64) and SetTotal(bytes int64) methods, Run
// calls them once with the number of items and their estimated bytes before the
// data phase.
type Progress interface {
	TableStarted(name string, estBytes int64)
	Add(name string, bytes, rows int64)
	TableDone(name string, err error)
}

type planReporter interface {
	SetTables(n int64)
	SetTotal(bytes int64)
}

type noProgress struct{}

func (noProgress) TableStarted(string, int64) {}
func (noProgress) Add(string, int64, int64)   {}
func (noProgress) TableDone(string, error)    {}

var _ Progress = noProgress{}

// withDefaults returns o with zero values replaced by their defaults.
func (o Options) withDefaults() Options {
	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	if o.SplitBytes == 0 {
		o.SplitBytes = DefaultSplitBytes
	}
	if o.Progress == nil {
		o.Progress = noProgress{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DumpVersion == "" {
		o.DumpVersion = "pgstow"
	}
	return o
}
