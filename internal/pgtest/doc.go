// Package pgtest starts throwaway PostgreSQL clusters for tests: one cluster per
// major version per test binary, started on first use and stopped when the tests end
// (also when they fail, panic or are interrupted), and a fresh database per test.
//
// Versions: PGSTOW_PG_VERSIONS=12,15,18 selects the majors a run covers; without it,
// every installed major is used. Server binaries are looked up in the directories of
// PGSTOW_PG_BINDIRS (colon separated), then /usr/lib/postgresql/<major>/bin, then the
// cache filled by scripts/install-postgres. A selected major without binaries fails
// the test with a hint how to install it; it is never skipped.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// # Comparison oracle
//
// Compare (and AssertSameDB, AssertSameSchema, AssertSameData) reports every
// difference between two databases that a dump and restore must not introduce,
// as Diffs of five kinds. In a round-trip test:
//
//	pgtest.AssertSameDB(t, src, dst) // schema, pg_dump text, data, sequences, large objects
//	pgtest.AssertSameDBWith(t, src, dst, pgtest.CompareOptions{IgnoreOwner: true}) // after --no-owner
//
// Fingerprint(ctx, db) returns the catalog lines themselves, for debugging.
//
// Schema ("schema"): the catalog fingerprint (see fingerprint.go) of every object in
// user schemas, plus extensions, publications, event triggers, default privileges
// and large-object metadata.
//
// Schema again ("pg_dump"): when both are on the same major and the installed
// pg_dump can dump it (pg_dump refuses newer servers), the text of
// pg_dump --schema-only of both, without comment lines, blank lines,
// \restrict/\unrestrict lines and with the database name replaced, as a line diff.
//
// Data ("data"): per table, partition and populated materialized view, the row count
// and two independent 64-bit halves of md5(row text), each summed over all rows:
// order independent, and a collision needs two 64-bit sums to agree at once.
// Sequences ("sequence"): last_value and is_called. Large objects ("lob"): size and
// md5 of the contents per OID (large-object OIDs are preserved by pg_dump).
//
// Cross-version comparisons (a and b on different majors) normalise only this:
//
//   - lines that can exist only on the newer major are dropped when the other side is
//     older: named NOT NULL constraints of tables (18+) and domains (17+), and
//     multirange type names (14+);
//   - attributes new in later majors (compression, publish_via_partition_root, row
//     filters, …) are only emitted when not default, so they need no rule;
//   - procedure arguments are written without the IN mode, which 14+ print (on all
//     majors, in the object key and the definition's first line);
//   - with one side before 17 and the other 17+, the owner's MAINTAIN privilege
//     (added to the default ACL of relations in 17) is dropped from the newer ACLs.
//
// Everything else, including pg_get_viewdef and pg_get_functiondef text, is compared
// as the servers print it; CompareOptions.Ignore drops known differences. Note that
// the public schema is NOT normalised: initdb of 15+ makes it owned by
// pg_database_owner without PUBLIC CREATE, but pg_dump of a 12 server emits the
// ALTER SCHEMA OWNER and GRANTs that recreate the 12 state, so a faithful restore
// matches its source; two fresh databases on 12 and 15+ do differ there.
//
// Not compared (yet): casts, languages, transforms, access methods, foreign-data
// wrappers, servers and user mappings (foreign tables are), subscriptions, security
// labels, database-level settings and comment, text search configuration mappings,
// and the enabled state of triggers cloned onto partitions.
package pgtest
