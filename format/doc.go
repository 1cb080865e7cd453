// Package format reads and writes pg_dump archives: the header and TOC, the tar,
// directory and custom layouts, per-member compression, and pgstow's own extra
// member (checksums, chunk boundaries, row counts).
//
// An archive written here is a real pg_dump archive: stock pg_restore reads the
// uncompressed tar and every directory archive. The byte layout follows
// shared/spec/pg-archive-format.md. The package knows nothing about databases: it
// moves bytes and TOC entries, and never holds a whole member in memory.
package format
