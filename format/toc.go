package format

import "time"

// Section is the TOC section of an entry, numbered as in pg_dump (SECTION_NONE=1 …).
type Section int

const (
	SectionNone     Section = 1 // COMMENT, ACL, SECURITY LABEL: follow their parent
	SectionPreData  Section = 2
	SectionData     Section = 3
	SectionPostData Section = 4
)

// Version is an archive version, K_VERS_major_minor_rev packed as pg_dump does:
// (major*256+minor)*256+rev.
type Version int

// MakeVersion packs an archive version.
func MakeVersion(major, minor, rev int) Version { return Version((major*256+minor)*256 + rev) }

// Archive versions pgstow reads. It writes 1.14 unless a member needs 1.15.
var (
	Version1_12 = MakeVersion(1, 12, 0)
	Version1_13 = MakeVersion(1, 13, 0)
	Version1_14 = MakeVersion(1, 14, 0)
	Version1_15 = MakeVersion(1, 15, 0)
	Version1_16 = MakeVersion(1, 16, 0)
)

// Layout is how an archive is laid out on disk.
type Layout int

const (
	LayoutUnknown   Layout = iota
	LayoutCustom           // -F c: one file, header format byte 1
	LayoutTar              // -F t: header format byte 3
	LayoutDirectory        // -F d: header format byte 3 as well
)

// Algorithm is a data-member compression algorithm.
type Algorithm int

const (
	AlgNone Algorithm = iota
	AlgGzip
	AlgLZ4
	AlgZstd
)

// Compression is an algorithm and a level; Level 0 means the algorithm's default.
type Compression struct {
	Algorithm Algorithm
	Level     int
}

// Header is the archive header (the start of toc.dat or of a custom file).
type Header struct {
	Version       Version
	IntSize       int // 4 when written by pg_dump or pgstow
	OffSize       int // 8 when written by pg_dump or pgstow
	Layout        Layout
	Compression   Compression // of the data members, never of the TOC
	Created       time.Time   // broken-down local time as stored; location UTC
	DBName        string
	ServerVersion string // e.g. "15.20 (Debian 15.20-0+deb12u1)"
	DumpVersion   string // free text, e.g. "pgstow 0.1.0"
}

// Entry is one TOC entry. String fields are written as NULL when empty, except
// Tablespace, where nil means NULL and a pointer to "" means the default tablespace
// (pg_restore then emits SET default_tablespace = ”).
type Entry struct {
	DumpID     int
	HadDumper  bool   // the entry has a data payload (TABLE DATA, BLOBS)
	TableOID   uint32 // OID of the catalog that holds the object (pg_class = 1259), 0 if none
	OID        uint32 // OID of the object, 0 if none
	Tag        string
	Desc       string // "TABLE", "TABLE DATA", "INDEX", … exactly as pg_dump spells it
	Section    Section
	Defn       string // SQL that creates the object; may hold several statements
	DropStmt   string
	CopyStmt   string // "COPY s.t (a, b) FROM stdin;\n" for TABLE DATA
	Namespace  string
	Tablespace *string
	TableAM    string // "heap" for tables and matviews; empty elsewhere (written NULL)
	RelKind    byte   // pg_class.relkind of the entry's relation; stored only in 1.16
	Owner      string
	Deps       []int // dumpIds this entry depends on; TABLE DATA: its TABLE first

	// FileName is the tar member / directory file of the entry's data without the
	// compression suffix ("3372.dat"), or "" for entries without data.
	FileName string

	// Custom format only: where the entry's data block starts (DataOffset valid when
	// OffsetKnown).
	DataOffset  int64
	OffsetKnown bool
}

// TOC is the header plus the entries in archive order.
type TOC struct {
	Header  Header
	Entries []*Entry
}

// Entry returns the entry with the given dumpId, or nil.
func (t *TOC) Entry(dumpID int) *Entry {
	for _, e := range t.Entries {
		if e.DumpID == dumpID {
			return e
		}
	}
	return nil
}
