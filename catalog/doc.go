// Package catalog reads the schema of one database from the system catalogs of
// PostgreSQL 12 through 18 and turns it into the ordered TOC entries pg_dump would
// write: desc, section, tag, owner, create and drop SQL, and dependencies.
//
// Loading runs a handful of set-based queries per object kind through a Querier
// (a pgx.Tx inside the dump's exported snapshot) and never opens connections of
// its own. It sets the session's search_path to the empty string (pg_dump does the same) so
// that the server's deparsers (pg_get_indexdef, pg_get_viewdef, …) qualify every
// name. The package knows nothing about archives.
//
// The pipeline (load.go):
//
//   - one loader per object kind (load.go schemas and extensions, table.go and
//     relation.go relations, index.go constraints and indexes, types.go,
//     function.go, extra.go aggregates/collations/statistics, misc.go views,
//     triggers, rules, policies, default privileges, large objects, database,
//     foreign.go foreign data and event triggers, operator.go operators, casts,
//     transforms and access methods, opclass.go operator classes and families,
//     textsearch.go, publication.go, longtail.go languages, subscriptions,
//     conversions and text search parsers/templates) turns catalog rows into
//     objects with their entries, comments, security labels and ACLs (acl.go);
//   - depend.go adds the pg_depend edges, mapping catalog rows that pg_dump
//     dumps as part of another object (row types, constraint indexes, inline
//     defaults, view rules, extension members) to that object;
//   - sort.go sorts by pg_dump's type priority, schema and name, then
//     topologically; loops.go adds the section boundaries and breaks view loops
//     the way pg_dump does (dummy view plus CREATE OR REPLACE VIEW rule);
//   - finish assigns dense IDs in dump order.
//
// LoadGlobals (globals.go) reads, separately and only when asked, the
// cluster-wide objects a restore on a new server needs (roles, memberships,
// role settings, tablespaces), like pg_dumpall --globals-only.
//
// Identifiers are quoted like pg_dump's fmtId (quote.go); filters follow
// pg_dump's pattern rules (filter.go).
package catalog
