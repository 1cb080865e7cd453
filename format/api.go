package format

import (
	"context"
	"io"
	"time"
)

// ExtraMemberName is the name of pgstow's own member (tar) or file (directory). It
// does not start with a digit or "blob_", so stock pg_restore skips it.
const ExtraMemberName = "pgstow.json"

// Extra is the content of pgstow's extra member: what pg_restore does not need but
// verify and a parallel restore do. It is written last, once all data is known.
type Extra struct {
	FormatVersion int       `json:"format_version"` // 1
	Tool          string    `json:"tool"`           // "pgstow 0.1.0"
	ServerVersion string    `json:"server_version"`
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished"`
	Compression   string    `json:"compression"` // "none", "gzip:6", "lz4", "zstd:3"
	Checksum      string    `json:"checksum"`    // algorithm of Member.Checksum, e.g. "xxh64"
	Members       []Member  `json:"members"`
}

// Member describes one data member as stored (compressed bytes).
type Member struct {
	DumpID   int     `json:"dump_id"`
	Name     string  `json:"name"`     // stored name, with compression suffix
	Size     int64   `json:"size"`     // stored bytes
	Checksum string  `json:"checksum"` // hex of the stored bytes' hash
	Rows     int64   `json:"rows"`     // rows in the member (sum of chunks)
	Chunks   []Chunk `json:"chunks,omitempty"`
}

// Chunk is one independently decodable piece of a data member: a whole number of
// compression frames holding whole COPY rows, without the "\.\n\n\n" terminator,
// which stands in its own frame after the last chunk.
type Chunk struct {
	Offset   int64  `json:"offset"` // into the stored member
	Size     int64  `json:"size"`   // stored bytes
	Rows     int64  `json:"rows"`
	Checksum string `json:"checksum,omitempty"` // of the chunk's stored bytes, so a chunk read alone is checked too
}

// WriterOptions configures archive writers. The zero value writes an uncompressed
// archive and spools to os.TempDir().
type WriterOptions struct {
	Compression Compression
	SpoolDir    string // temp files for tar members that finish out of turn; "" = os.TempDir()
	// NoSync skips flushing the archive to disk before it is renamed into place
	// (pg_dump --no-sync): faster, but a crash soon after may lose it.
	NoSync bool
}

// Writer writes an archive. The TOC is written first (Begin), so every entry, its
// FileName and the number of parts of its data member must be known up front; data
// then arrives as parts, concurrently and in any order, and the writer lays them out
// in TOC order (part 0, 1, … of each member). A data member ends with the COPY
// terminator when its entry has a CopyStmt.
//
// Implementations are safe for concurrent Part calls and part writes.
type Writer interface {
	// Begin writes the header and TOC. parts maps dumpId -> number of parts of that
	// entry's data member (entries with HadDumper and no mapping have one part).
	Begin(ctx context.Context, toc *TOC, parts map[int]int) error
	// Part opens part index of the data member of entry dumpID.
	Part(ctx context.Context, dumpID, index int) (PartWriter, error)
	// Blobs returns a writer for the large objects of a BLOBS entry.
	Blobs(ctx context.Context, dumpID int) (BlobWriter, error)
	// Close finishes the archive: remaining members, the extra member (extra may be
	// nil; the writer fills Members), the end of the archive, then makes it visible
	// (rename from the temporary name where there is one).
	Close(ctx context.Context, extra *Extra) error
	// Abort drops everything written; nothing that looks like a finished archive
	// remains. Safe to call after Close failed, or more than once.
	Abort() error
}

// PartWriter receives the raw (uncompressed) COPY text of one part, without a
// terminator. Commit records rows and hands the part to the archive; Abort drops it.
type PartWriter interface {
	io.Writer
	Commit(rows int64) error
	Abort()
}

// BlobWriter writes large objects in OID order.
type BlobWriter interface {
	Blob(oid uint32) (io.WriteCloser, error)
	Close() error
}

// Archive is an archive opened for reading.
type Archive interface {
	TOC() *TOC
	// Extra is pgstow's extra member, or nil for archives written by pg_dump.
	Extra() *Extra
	// Layout tells which of tar, directory or custom this is.
	Layout() Layout
	// Sequential is true when data must be read in TOC order, one entry at a time
	// (a stream such as stdin).
	Sequential() bool
	// OpenData returns the decompressed data of an entry with HadDumper (for TABLE
	// DATA: the COPY text, terminator included).
	OpenData(ctx context.Context, e *Entry) (io.ReadCloser, error)
	// OpenChunk returns the decompressed text of chunk i of e (Extra().Members);
	// no terminator. Only for archives with an Extra and not Sequential.
	OpenChunk(ctx context.Context, e *Entry, i int) (io.ReadCloser, error)
	// OpenBlobs iterates the large objects of a BLOBS entry.
	OpenBlobs(ctx context.Context, e *Entry) (BlobReader, error)
	Close() error
}

// BlobReader iterates large objects: Next returns io.EOF after the last one.
type BlobReader interface {
	Next() (oid uint32, data io.Reader, err error)
	Close() error
}
