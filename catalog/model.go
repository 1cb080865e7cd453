package catalog

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Querier runs a query; pgx.Tx and *pgx.Conn satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Section mirrors pg_dump's TOC sections (same numbers as format.Section).
type Section int

const (
	SectionNone     Section = 1
	SectionPreData  Section = 2
	SectionData     Section = 3
	SectionPostData Section = 4
)

// Entry is one TOC entry as pg_dump would write it, in dump order. IDs are dense,
// start at 1 and are stable for the same database; Deps hold IDs of other entries of
// the same Catalog.
type Entry struct {
	ID         int
	Desc       string // "SCHEMA", "TABLE", "TABLE DATA", "SEQUENCE SET", "INDEX", …
	Section    Section
	Tag        string // unquoted name as pg_dump tags it ("t1", "t1 t1_pkey", "TABLE t1")
	Namespace  string // unquoted schema, "" for none
	Owner      string // "" for none
	Tablespace *string
	TableAM    string
	RelKind    byte
	CatalogOID uint32 // tableoid of the object's catalog (pg_class = 1259), 0 if none
	OID        uint32
	Create     string // defn
	Drop       string // dropStmt
	Deps       []int

	// Data is set on TABLE DATA entries: what the dump streams with COPY.
	Data *TableData
	// Blobs is set on the BLOBS entry: the large objects whose data to dump.
	Blobs []uint32
}

// TableData says how to read and reload one table's rows.
type TableData struct {
	OID       uint32
	Schema    string // unquoted
	Name      string // unquoted
	Qualified string // quoted "schema.name" ready for SQL
	Columns   string // quoted, comma separated non-generated columns, "" if none
	CopyStmt  string // "COPY s.t (a, b) FROM stdin;\n"
	RelPages  int64  // pg_class.relpages, for splitting into ctid ranges
	Bytes     int64  // pg_relation_size estimate, for scheduling largest first
	Rows      int64  // reltuples estimate (-1 unknown)
	RelKind   byte   // 'r', 'm' (never streamed), 'p' (never streamed), 'f'
	// Where limits the rows to dump: the condition pg_extension.extcondition
	// gives an extension's configuration table ("WHERE …"), "" for all rows.
	Where string
}

// Catalog is one database's schema in dump order.
type Catalog struct {
	Server        Version
	ServerVersion string // server_version as the server spells it
	Database      string
	Encoding      string // server_encoding, for the ENCODING entry
	StdStrings    bool
	Entries       []*Entry // sorted; ENCODING, STDSTRINGS, SEARCHPATH first
}

// Options selects what Load reads. The zero value reads everything a plain
// pg_dump of the database would.
type Options struct {
	Filter Filter
	// SchemaOnly leaves out TABLE DATA, SEQUENCE SET, BLOBS; DataOnly keeps only
	// those (and what they need to be restored). At most one is set.
	SchemaOnly, DataOnly bool
	NoComments           bool
	NoACL                bool
	NoBlobs              bool
	// NoSecurityLabels leaves out SECURITY LABEL entries (pg_dump
	// --no-security-labels).
	NoSecurityLabels bool
	// Create adds the DATABASE entry (and its comment, ACL, properties).
	Create bool
}

// Filter selects schemas and tables with pg_dump's pattern rules (-n -N -t -T
// --exclude-table-data). Empty include lists mean "all".
type Filter struct {
	IncludeSchemas   []string
	ExcludeSchemas   []string
	IncludeTables    []string
	ExcludeTables    []string
	ExcludeTableData []string
}
