// Package restore loads an archive (pgstow's or stock pg_dump's tar, directory or
// custom format, read through format.Archive) into a database, or writes it as a
// plain SQL script.
//
// Run follows pg_restore's behaviour (session settings, --clean with
// --if-exists, ownership, the ACL and post-ACL passes, --create) and is built
// for speed: pre-data serially, then table data on several connections, largest
// first, with tables this run created loaded as TRUNCATE + COPY FREEZE in one
// transaction and pgstow's chunked tables loaded by several connections at once;
// post-data in parallel by dependency, indexes (and plain PRIMARY KEY / UNIQUE
// constraints, built as unique indexes and attached with USING INDEX) before
// other constraints, foreign keys last.
//
// WriteScript writes what pg_restore -f writes, byte for byte for pg_dump
// archives apart from the random \restrict key.
package restore
