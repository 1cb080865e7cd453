// Package catalog reads the schema of one database from the system catalogs of
// PostgreSQL 12 through 18 and turns it into the ordered TOC entries pg_dump would
// write: desc, section, tag, owner, create and drop SQL, and dependencies.
//
// Loading runs a handful of set-based queries through a Querier (a pgx.Tx inside the
// dump's exported snapshot) and never opens connections of its own. The server's
// deparsers (pg_get_indexdef, pg_get_viewdef, …) supply definitions wherever they
// exist. The package knows nothing about archives.
package catalog
