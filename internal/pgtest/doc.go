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
package pgtest
