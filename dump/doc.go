// Package dump takes a consistent logical backup of one PostgreSQL database (server
// 12 through 18) into a pg_dump archive written through a format.Writer.
//
// Run opens one leader connection inside a REPEATABLE READ, READ ONLY transaction
// (SERIALIZABLE, READ ONLY, DEFERRABLE on request), exports its snapshot, reads the
// catalog there and takes ACCESS SHARE locks on every dumped table, as pg_dump does.
// Worker connections import the snapshot and stream table data with COPY … TO STDOUT
// straight into the archive's data members; no table is held in memory. Tables larger
// than Options.SplitBytes are cut into ctid ranges (PostgreSQL 14+, where such a
// range is a TID Range Scan), so several workers dump one big table at once; the
// parts are laid into the table's single data member in order, so stock pg_restore
// sees one TABLE DATA entry per table.
//
// The package never prints: it reports through Options.Progress and Options.Logger.
package dump
