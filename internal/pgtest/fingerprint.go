package pgtest

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The catalog fingerprint: one (object, attribute, value) triple per property of every
// user object, read with the server's own deparsers. Objects are keyed by quoted,
// schema-qualified names, never by OID, so two databases with different OIDs (a
// source and its restore) compare equal. Values that would embed OIDs are rendered
// through name-producing functions (pg_get_*def, format_type, regproc, pg_get_userbyid).
//
// Attributes whose value is NULL are left out, and attributes that only exist on some
// majors are only emitted when they differ from the old default, so that a database
// on 12 and its restore on 18 produce the same lines where the servers agree.

// fpEntry is one fingerprint line.
type fpEntry struct {
	obj, attr, val string
	newer          int // first major on which the line can exist; see compareCatalog
}

// fpQuery is one catalog query returning rows of (object, attribute, value).
type fpQuery struct {
	name  string
	since int // run only on this major and later
	until int // run only up to this major (0: no limit)
	// newer marks lines that only exist from this major on: they are dropped
	// when the other database is on an older major.
	newer int
	// notNull is the first major that catalogues this query's NOT NULL
	// constraints (lines "not-null constraint …"), which are then newer lines.
	notNull int
	sql     string
}

func userNS(n string) string {
	return n + `.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND ` +
		n + `.nspname !~ '^pg_(toast_)?temp_'`
}

// notExt excludes members of extensions: they are recreated by CREATE EXTENSION.
func notExt(catalog, oid string) string {
	return `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '` + catalog +
		`'::pg_catalog.regclass AND e.objid = ` + oid + ` AND e.deptype = 'e')`
}

// aclSQL renders an aclitem[] as sorted "grantee:PRIV[*]/grantor" items. The
// object's owner is written "=owner" so that the ACL compares equal when only the
// owner changed (a --no-owner restore); the owner itself is a separate line.
// Callers pass coalesce(acl, acldefault(...)): a NULL ACL means the default, and
// pg_dump does not emit GRANTs for an ACL equal to the default.
func aclSQL(acl, owner string) string {
	return `(SELECT pg_catalog.string_agg(x.s, ',' ORDER BY x.s) FROM (SELECT ` +
		`CASE WHEN a.grantee = 0 THEN 'PUBLIC' WHEN a.grantee = ` + owner + ` THEN '=owner' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END` +
		` || ':' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END || '/' || ` +
		`CASE WHEN a.grantor = ` + owner + ` THEN '=owner' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantor)) END AS s ` +
		`FROM pg_catalog.aclexplode(` + acl + `) a) x)`
}

// sortedArray renders a text[] (reloptions and the like) sorted, NULL when empty.
func sortedArray(arr string) string {
	return `NULLIF(pg_catalog.array_to_string(ARRAY(SELECT o FROM pg_catalog.unnest(` + arr + `) o ORDER BY o), ','), '')`
}

// attOptions renders column options sorted, without the pg_attver=N stamp that
// Debian's 15.20 puts on every column: it cannot be set and pg_dump does not dump it.
func attOptions(arr string) string {
	return `NULLIF(pg_catalog.array_to_string(ARRAY(SELECT o FROM pg_catalog.unnest(` + arr +
		`) o WHERE o !~ '^pg_attver=' ORDER BY o), ','), '')`
}

func qname(n, name string) string {
	return `pg_catalog.quote_ident(` + n + `.nspname) || '.' || pg_catalog.quote_ident(` + name + `)`
}

func userName(oid string) string {
	return `pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(` + oid + `))`
}

func fpQueries() []fpQuery {
	relName := func(c, n string) string { return qname(n, c+".relname") }
	relKind := `CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' ` +
		`WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ` +
		`WHEN 'c' THEN 'type' ELSE 'relation' END`
	userRel := userNS("n") + ` AND ` + notExt("pg_class", "c.oid")

	return []fpQuery{
		{name: "schemas", sql: `
SELECT 'schema ' || pg_catalog.quote_ident(n.nspname), v.attr, v.val
FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL (VALUES
  ('owner', ` + userName("n.nspowner") + `),
  ('acl', ` + aclSQL("coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))", "n.nspowner") + `),
  ('comment', pg_catalog.obj_description(n.oid, 'pg_namespace'))) v(attr, val)
WHERE ` + userNS("n") + ` AND ` + notExt("pg_namespace", "n.oid")},

		{name: "extensions", sql: `
SELECT 'extension ' || pg_catalog.quote_ident(x.extname), v.attr, v.val
FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
CROSS JOIN LATERAL (VALUES
  ('version', x.extversion),
  ('schema', pg_catalog.quote_ident(n.nspname)),
  ('comment', pg_catalog.obj_description(x.oid, 'pg_extension'))) v(attr, val)`},

		{name: "relations", sql: `
SELECT ` + relKind + ` || ' ' || ` + relName("c", "n") + `, v.attr, v.val
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES
  ('kind', c.relkind::text),
  ('owner', ` + userName("c.relowner") + `),
  ('acl', ` + aclSQL("coalesce(c.relacl, pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))", "c.relowner") + `),
  ('comment', pg_catalog.obj_description(c.oid, 'pg_class')),
  ('persistence', c.relpersistence::text),
  ('reloptions', ` + sortedArray("c.reloptions") + `),
  ('toast reloptions', (SELECT ` + sortedArray("t.reloptions") + ` FROM pg_catalog.pg_class t WHERE t.oid = c.reltoastrelid)),
  ('access method', (SELECT am.amname::text FROM pg_catalog.pg_am am WHERE am.oid = c.relam)),
  ('tablespace', (SELECT ts.spcname::text FROM pg_catalog.pg_tablespace ts WHERE ts.oid = c.reltablespace)),
  ('replica identity', CASE WHEN c.relkind IN ('r', 'p', 'm') THEN c.relreplident::text END),
  ('row security', CASE WHEN c.relrowsecurity OR c.relforcerowsecurity THEN c.relrowsecurity || ',force=' || c.relforcerowsecurity END),
  ('partition key', CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END),
  ('partition bound', CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END),
  ('inherits', (SELECT pg_catalog.string_agg(` + relName("p", "pn") + `, ',' ORDER BY i.inhseqno)
     FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
     JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid)),
  ('of type', CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END),
  ('definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END),
  ('populated', CASE WHEN c.relkind = 'm' THEN c.relispopulated::text END),
  ('foreign', (SELECT pg_catalog.quote_ident(s.srvname) || ' ' || coalesce(` + sortedArray("ft.ftoptions") + `, '')
     FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver WHERE ft.ftrelid = c.oid)),
  ('sequence', (SELECT pg_catalog.format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment ' || s.seqincrement ||
     ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
     FROM pg_catalog.pg_sequence s WHERE s.seqrelid = c.oid)),
  ('owned by', CASE WHEN c.relkind = 'S' THEN (SELECT ` + relName("t", "tn") + ` || '.' || pg_catalog.quote_ident(a.attname) ||
       CASE WHEN d.deptype = 'i' THEN ' (identity)' ELSE '' END
     FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
     JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
       AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')) END)
) v(attr, val)
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ` + userRel},

		{name: "columns", sql: `
SELECT 'column ' || ` + relName("c", "n") + ` || '.' || pg_catalog.quote_ident(a.attname), v.attr, v.val
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
CROSS JOIN LATERAL (VALUES
  ('position', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute p
     WHERE p.attrelid = a.attrelid AND p.attnum > 0 AND p.attnum <= a.attnum AND NOT p.attisdropped)::text),
  ('type', pg_catalog.format_type(a.atttypid, a.atttypmod)),
  ('not null', CASE WHEN a.attnotnull THEN 'true' END),
  ('default', pg_catalog.pg_get_expr(d.adbin, d.adrelid)),
  ('identity', NULLIF(a.attidentity::text, '')),
  ('generated', NULLIF(a.attgenerated::text, '')),
  ('collation', (SELECT ` + qname("cn", "co.collname") + ` FROM pg_catalog.pg_collation co
     JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)),
  ('storage', a.attstorage::text),
  ('statistics', NULLIF(coalesce(a.attstattarget::int, -1), -1)::text),
  ('options', ` + attOptions("a.attoptions") + `),
  ('fdw options', ` + sortedArray("a.attfdwoptions") + `),
  ('inherited', CASE WHEN a.attinhcount > 0 THEN 'local=' || a.attislocal END),
  ('acl', CASE WHEN a.attacl IS NOT NULL THEN coalesce(` + aclSQL("a.attacl", "c.relowner") + `, '') END),
  ('comment', pg_catalog.col_description(c.oid, a.attnum))
) v(attr, val)
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND ` + userRel},

		// Compression is set per column from 14 on; '' is the default.
		{name: "column compression", since: 14, sql: `
SELECT 'column ' || ` + relName("c", "n") + ` || '.' || pg_catalog.quote_ident(a.attname), 'compression', a.attcompression::text
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attcompression <> '' AND c.relkind IN ('r', 'p', 'm') AND ` + userRel},

		{name: "indexes", sql: `
SELECT 'index ' || ` + relName("ic", "n") + `, v.attr, v.val
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
CROSS JOIN LATERAL (VALUES
  ('definition', pg_catalog.pg_get_indexdef(i.indexrelid)),
  ('clustered', CASE WHEN i.indisclustered THEN 'true' END),
  ('replica identity', CASE WHEN i.indisreplident THEN 'true' END),
  ('valid', CASE WHEN NOT i.indisvalid THEN 'false' END),
  ('tablespace', (SELECT ts.spcname::text FROM pg_catalog.pg_tablespace ts WHERE ts.oid = ic.reltablespace)),
  ('partition of', (SELECT ` + relName("p", "pn") + ` FROM pg_catalog.pg_inherits h
     JOIN pg_catalog.pg_class p ON p.oid = h.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
     WHERE h.inhrelid = ic.oid)),
  ('statistics', (SELECT pg_catalog.string_agg(x.attnum || '=' || x.attstattarget, ',' ORDER BY x.attnum)
     FROM pg_catalog.pg_attribute x WHERE x.attrelid = ic.oid AND x.attstattarget > 0)),
  ('comment', pg_catalog.obj_description(ic.oid, 'pg_class'))
) v(attr, val)
WHERE ` + userRel},

		// NOT NULL constraints of tables are catalogued from 18 on, of domains from
		// 17 on; see notNull.
		{name: "table constraints", notNull: 18, sql: `
SELECT CASE WHEN k.contype = 'n' THEN 'not-null constraint ' ELSE 'constraint ' END || ` + relName("c", "n") + ` || '.' || pg_catalog.quote_ident(k.conname), v.attr, v.val
FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES
  ('definition', pg_catalog.pg_get_constraintdef(k.oid)),
  ('inherited', CASE WHEN k.coninhcount > 0 THEN 'local=' || k.conislocal END),
  ('comment', pg_catalog.obj_description(k.oid, 'pg_constraint'))
) v(attr, val)
WHERE ` + userRel},

		{name: "types", sql: `
SELECT 'type ' || ` + qname("n", "t.typname") + `, v.attr, v.val
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
CROSS JOIN LATERAL (VALUES
  ('kind', t.typtype::text),
  ('owner', ` + userName("t.typowner") + `),
  ('acl', ` + aclSQL("coalesce(t.typacl, pg_catalog.acldefault('T', t.typowner))", "t.typowner") + `),
  ('comment', pg_catalog.obj_description(t.oid, 'pg_type')),
  ('enum labels', CASE WHEN t.typtype = 'e' THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)
     FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END),
  ('base type', CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END),
  ('not null', CASE WHEN t.typnotnull THEN 'true' END),
  ('default', coalesce(pg_catalog.pg_get_expr(t.typdefaultbin, 0), t.typdefault)),
  ('collation', CASE WHEN t.typtype = 'd' THEN (SELECT ` + qname("cn", "co.collname") + ` FROM pg_catalog.pg_collation co
     JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END),
  ('range', (SELECT 'subtype ' || pg_catalog.format_type(r.rngsubtype, NULL) ||
     ' opclass ' || (SELECT ` + qname("on2", "oc.opcname") + ` FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_namespace on2 ON on2.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc) ||
     coalesce(' collation ' || (SELECT ` + qname("cn", "co.collname") + ` FROM pg_catalog.pg_collation co
       JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation), '') ||
     ' canonical ' || r.rngcanonical::text || ' subdiff ' || r.rngsubdiff::text
     FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid)),
  ('base', CASE WHEN t.typtype = 'b' THEN pg_catalog.concat_ws(' ', t.typinput::text, t.typoutput::text, t.typreceive::text,
     t.typsend::text, t.typmodin::text, t.typmodout::text, t.typanalyze::text, t.typlen, t.typbyval, t.typalign::text,
     t.typstorage::text, t.typcategory::text, t.typispreferred, t.typdelim::text, pg_catalog.format_type(NULLIF(t.typelem, 0), NULL)) END)
) v(attr, val)
WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r', 'p')
  AND NOT (t.typtype = 'c' AND (SELECT r.relkind FROM pg_catalog.pg_class r WHERE r.oid = t.typrelid) <> 'c')
  AND NOT (t.typelem <> 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid))
  AND ` + userNS("n") + ` AND ` + notExt("pg_type", "t.oid")},

		{name: "multirange types", since: 14, newer: 14, sql: `
SELECT 'type ' || ` + qname("n", "t.typname") + `, 'multirange', pg_catalog.format_type(r.rngmultitypid, NULL)
FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE ` + userNS("n") + ` AND ` + notExt("pg_type", "t.oid")},

		{name: "domain constraints", notNull: 17, sql: `
SELECT CASE WHEN k.contype = 'n' THEN 'not-null constraint ' ELSE 'constraint ' END || ` + qname("n", "t.typname") + ` || '.' || pg_catalog.quote_ident(k.conname), v.attr, v.val
FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_type t ON t.oid = k.contypid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
CROSS JOIN LATERAL (VALUES
  ('definition', pg_catalog.pg_get_constraintdef(k.oid)),
  ('comment', pg_catalog.obj_description(k.oid, 'pg_constraint'))
) v(attr, val)
WHERE ` + userNS("n") + ` AND ` + notExt("pg_type", "t.oid")},

		{name: "functions", sql: `
SELECT CASE p.prokind WHEN 'a' THEN 'aggregate ' WHEN 'p' THEN 'procedure ' ELSE 'function ' END ||
  ` + qname("n", "p.proname") + ` || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', v.attr, v.val
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN LATERAL (VALUES
  ('definition', CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END),
  ('aggregate', (SELECT pg_catalog.concat_ws(' ', pg_catalog.pg_get_function_arguments(p.oid),
     'sfunc', g.aggtransfn::text, 'stype', pg_catalog.format_type(g.aggtranstype, NULL),
     'finalfunc', g.aggfinalfn::text, 'combine', g.aggcombinefn::text, 'serial', g.aggserialfn::text,
     'deserial', g.aggdeserialfn::text, 'msfunc', g.aggmtransfn::text, 'minvfunc', g.aggminvtransfn::text,
     'mfinalfunc', g.aggmfinalfn::text, 'mstype', pg_catalog.format_type(NULLIF(g.aggmtranstype, 0), NULL),
     'extra', g.aggfinalextra, g.aggmfinalextra, 'modify', g.aggfinalmodify::text, g.aggmfinalmodify::text,
     'sortop', NULLIF(g.aggsortop, 0)::pg_catalog.regoperator::text, 'init', pg_catalog.quote_nullable(g.agginitval),
     'minit', pg_catalog.quote_nullable(g.aggminitval), 'kind', g.aggkind::text, g.aggnumdirectargs,
     'parallel', p.proparallel::text)
     FROM pg_catalog.pg_aggregate g WHERE g.aggfnoid = p.oid)),
  ('owner', ` + userName("p.proowner") + `),
  ('acl', ` + aclSQL("coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))", "p.proowner") + `),
  ('comment', pg_catalog.obj_description(p.oid, 'pg_proc'))
) v(attr, val)
WHERE ` + userNS("n") + ` AND ` + notExt("pg_proc", "p.oid") + `
  -- constructors of range (and from 14 on multirange) types come with the type
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
    AND e.objid = p.oid AND e.deptype = 'i')`},

		// Triggers cloned onto partitions from a partitioned table's trigger are
		// internal on 12 and have tgparentid from 13 on; they follow their parent.
		{name: "triggers", until: 12, sql: triggersSQL("NOT tg.tgisinternal", userRel)},
		{name: "triggers", since: 13, sql: triggersSQL("NOT tg.tgisinternal AND tg.tgparentid = 0", userRel)},

		{name: "rules", sql: `
SELECT 'rule ' || ` + relName("c", "n") + ` || '.' || pg_catalog.quote_ident(r.rulename), v.attr, v.val
FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES
  ('definition', pg_catalog.pg_get_ruledef(r.oid)),
  ('enabled', r.ev_enabled::text),
  ('comment', pg_catalog.obj_description(r.oid, 'pg_rewrite'))
) v(attr, val)
WHERE r.rulename <> '_RETURN' AND ` + userRel},

		{name: "policies", sql: `
SELECT 'policy ' || ` + relName("c", "n") + ` || '.' || pg_catalog.quote_ident(pol.polname), v.attr, v.val
FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES
  ('command', pol.polcmd::text),
  ('permissive', pol.polpermissive::text),
  ('roles', (SELECT pg_catalog.string_agg(x.r, ',' ORDER BY x.r) FROM (SELECT CASE WHEN o = 0 THEN 'PUBLIC'
     ELSE ` + userName("o") + ` END AS r FROM pg_catalog.unnest(pol.polroles) o) x)),
  ('using', pg_catalog.pg_get_expr(pol.polqual, pol.polrelid)),
  ('with check', pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid)),
  ('comment', pg_catalog.obj_description(pol.oid, 'pg_policy'))
) v(attr, val)
WHERE ` + userRel},

		{name: "publications", sql: `
SELECT 'publication ' || pg_catalog.quote_ident(p.pubname), v.attr, v.val
FROM pg_catalog.pg_publication p CROSS JOIN LATERAL (VALUES
  ('owner', ` + userName("p.pubowner") + `),
  ('actions', pg_catalog.concat_ws(',', CASE WHEN p.puballtables THEN 'all tables' END,
     CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
     CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END)),
  ('comment', pg_catalog.obj_description(p.oid, 'pg_publication'))
) v(attr, val)`},
		{name: "publication via root", since: 13, sql: `
SELECT 'publication ' || pg_catalog.quote_ident(p.pubname), 'via root', 'true'
FROM pg_catalog.pg_publication p WHERE p.pubviaroot`},
		{name: "publication tables", until: 14, sql: `
SELECT 'publication table ' || pg_catalog.quote_ident(p.pubname) || ' ' || ` + relName("c", "n") + `, 'member', 'true'
FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid
JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`},
		{name: "publication tables", since: 15, sql: `
SELECT 'publication table ' || pg_catalog.quote_ident(p.pubname) || ' ' || ` + relName("c", "n") + `, v.attr, v.val
FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid
JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES
  ('member', 'true'),
  ('where', pg_catalog.pg_get_expr(pr.prqual, pr.prrelid)),
  ('columns', (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ',' ORDER BY a.attnum)
     FROM pg_catalog.pg_attribute a WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs)))
) v(attr, val)`},
		{name: "publication schemas", since: 15, sql: `
SELECT 'publication schema ' || pg_catalog.quote_ident(p.pubname) || ' ' || pg_catalog.quote_ident(n.nspname), 'member', 'true'
FROM pg_catalog.pg_publication_namespace pn JOIN pg_catalog.pg_publication p ON p.oid = pn.pnpubid
JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid`},

		{name: "default privileges", sql: `
SELECT 'default privileges for ' || ` + userName("d.defaclrole") + ` ||
  coalesce(' in schema ' || pg_catalog.quote_ident(n.nspname), '') || ' on ' || d.defaclobjtype::text,
  'acl', coalesce(` + aclSQL("d.defaclacl", "d.defaclrole") + `, '')
FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace`},

		{name: "large objects", sql: `
SELECT 'large object ' || l.oid::text, v.attr, v.val
FROM pg_catalog.pg_largeobject_metadata l CROSS JOIN LATERAL (VALUES
  ('owner', ` + userName("l.lomowner") + `),
  ('acl', ` + aclSQL("coalesce(l.lomacl, pg_catalog.acldefault('L', l.lomowner))", "l.lomowner") + `),
  ('comment', pg_catalog.obj_description(l.oid, 'pg_largeobject'))
) v(attr, val)`},

		{name: "event triggers", sql: `
SELECT 'event trigger ' || pg_catalog.quote_ident(t.evtname), v.attr, v.val
FROM pg_catalog.pg_event_trigger t CROSS JOIN LATERAL (VALUES
  ('event', t.evtevent::text),
  ('function', t.evtfoid::pg_catalog.regproc::text),
  ('enabled', t.evtenabled::text),
  ('tags', pg_catalog.array_to_string(t.evttags, ',')),
  ('owner', ` + userName("t.evtowner") + `),
  ('comment', pg_catalog.obj_description(t.oid, 'pg_event_trigger'))
) v(attr, val)
WHERE ` + notExt("pg_event_trigger", "t.oid")},

		// Other schema objects: existence, owner, comment and, where the server has a
		// deparser or the definition is a few names, the definition.
		{name: "other objects", sql: `
SELECT o.type || ' ' || o.identity, v.attr, v.val
FROM (
  SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass AS cls, x.oid, x.collnamespace AS nsp, x.collowner AS own,
    x.collprovider::text || CASE WHEN x.collisdeterministic THEN '' ELSE ' nondeterministic' END AS def FROM pg_catalog.pg_collation x
  UNION ALL SELECT 'pg_catalog.pg_conversion', x.oid, x.connamespace, x.conowner,
    pg_catalog.concat_ws(' ', pg_catalog.pg_encoding_to_char(x.conforencoding), pg_catalog.pg_encoding_to_char(x.contoencoding), x.conproc::text, x.condefault)
    FROM pg_catalog.pg_conversion x
  UNION ALL SELECT 'pg_catalog.pg_operator', x.oid, x.oprnamespace, x.oprowner,
    pg_catalog.concat_ws(' ', x.oprcode::text, NULLIF(x.oprcom, 0)::pg_catalog.regoperator::text, NULLIF(x.oprnegate, 0)::pg_catalog.regoperator::text,
      x.oprrest::text, x.oprjoin::text, x.oprcanmerge, x.oprcanhash)
    FROM pg_catalog.pg_operator x
  UNION ALL SELECT 'pg_catalog.pg_opclass', x.oid, x.opcnamespace, x.opcowner, NULL FROM pg_catalog.pg_opclass x
  UNION ALL SELECT 'pg_catalog.pg_opfamily', x.oid, x.opfnamespace, x.opfowner, NULL FROM pg_catalog.pg_opfamily x
  UNION ALL SELECT 'pg_catalog.pg_ts_config', x.oid, x.cfgnamespace, x.cfgowner, (SELECT pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname) FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace WHERE p.oid = x.cfgparser) FROM pg_catalog.pg_ts_config x
  UNION ALL SELECT 'pg_catalog.pg_ts_dict', x.oid, x.dictnamespace, x.dictowner, x.dictinitoption FROM pg_catalog.pg_ts_dict x
  UNION ALL SELECT 'pg_catalog.pg_ts_parser', x.oid, x.prsnamespace, NULL, NULL FROM pg_catalog.pg_ts_parser x
  UNION ALL SELECT 'pg_catalog.pg_ts_template', x.oid, x.tmplnamespace, NULL, NULL FROM pg_catalog.pg_ts_template x
  UNION ALL SELECT 'pg_catalog.pg_statistic_ext', x.oid, x.stxnamespace, x.stxowner, pg_catalog.pg_get_statisticsobjdef(x.oid) FROM pg_catalog.pg_statistic_ext x
) s JOIN pg_catalog.pg_namespace n ON n.oid = s.nsp
CROSS JOIN LATERAL pg_catalog.pg_identify_object(s.cls, s.oid, 0) o
CROSS JOIN LATERAL (VALUES
  ('exists', 'true'),
  ('definition', s.def),
  ('owner', ` + userName("s.own") + `),
  ('comment', pg_catalog.obj_description(s.oid, (SELECT r.relname::text FROM pg_catalog.pg_class r WHERE r.oid = s.cls)))
) v(attr, val)
WHERE ` + userNS("n") + ` AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = s.cls AND e.objid = s.oid AND e.deptype = 'e')`},
	}
}

func triggersSQL(cond, userRel string) string {
	return `
SELECT 'trigger ' || ` + qname("n", "c.relname") + ` || '.' || pg_catalog.quote_ident(tg.tgname), v.attr, v.val
FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES
  ('definition', pg_catalog.pg_get_triggerdef(tg.oid)),
  ('enabled', tg.tgenabled::text),
  ('comment', pg_catalog.obj_description(tg.oid, 'pg_trigger'))
) v(attr, val)
WHERE ` + cond + ` AND ` + userRel
}

var procIn = regexp.MustCompile(`([(,] ?)IN `)

// procArgs drops the IN mode from procedure arguments, which 14 and later print
// ("noop(IN x integer)") and older majors do not.
func procArgs(s string) string { return procIn.ReplaceAllString(s, "$1") }

// sessionSetup makes deparsed text and row text independent of the connection:
// an empty search_path schema-qualifies every name the deparsers print, and fixed
// output styles make row text (the data hash input) identical on both servers.
const sessionSetup = `SELECT pg_catalog.set_config('search_path', '', false);
SET DateStyle = ISO; SET IntervalStyle = postgres; SET TimeZone = 'UTC';
SET extra_float_digits = 3; SET bytea_output = hex; SET lc_monetary = 'C'; SET xmloption = content`

// connect opens a read-only connection to d set up for fingerprinting, and
// returns the server's major.
func connect(ctx context.Context, d *DB) (*pgx.Conn, int, error) {
	conn, err := pgx.Connect(ctx, d.ConnString())
	if err != nil {
		return nil, 0, fmt.Errorf("connect to %s: %w", d.Name, err)
	}
	if _, err := conn.PgConn().Exec(ctx, sessionSetup).ReadAll(); err != nil {
		conn.Close(ctx)
		return nil, 0, fmt.Errorf("set up session on %s: %w", d.Name, err)
	}
	var num int
	if err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('server_version_num')::int").Scan(&num); err != nil {
		conn.Close(ctx)
		return nil, 0, fmt.Errorf("server version of %s: %w", d.Name, err)
	}
	return conn, num / 10000, nil
}

// catalogEntries reads the catalog fingerprint of the database conn is connected
// to, inside one REPEATABLE READ READ ONLY transaction.
func catalogEntries(ctx context.Context, conn *pgx.Conn, major int) ([]fpEntry, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	var out []fpEntry
	for _, q := range fpQueries() {
		if major < q.since || (q.until != 0 && major > q.until) {
			continue
		}
		rows, err := tx.Query(ctx, q.sql, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return nil, fmt.Errorf("fingerprint %s: %w", q.name, err)
		}
		for rows.Next() {
			var obj, attr string
			var val *string
			if err := rows.Scan(&obj, &attr, &val); err != nil {
				rows.Close()
				return nil, fmt.Errorf("fingerprint %s: %w", q.name, err)
			}
			if val != nil {
				e := fpEntry{obj: obj, attr: attr, val: *val, newer: q.newer}
				if strings.HasPrefix(obj, "procedure ") {
					e.obj = procArgs(e.obj)
					if attr == "definition" {
						head, rest, _ := strings.Cut(e.val, "\n")
						e.val = procArgs(head) + "\n" + rest
					}
				}
				if strings.HasPrefix(obj, "not-null constraint ") {
					// Older majors have the NOT NULL flag alone, which "not null" of
					// the column or domain compares on every major.
					e.newer = q.notNull
				}
				out = append(out, e)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("fingerprint %s: %w", q.name, err)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].obj != out[j].obj {
			return out[i].obj < out[j].obj
		}
		return out[i].attr < out[j].attr
	})
	return out, nil
}

// Fingerprint returns the catalog fingerprint of a database as sorted lines
// "object attribute: value" (multi-line values are indented), for debugging a
// failed comparison.
func Fingerprint(ctx context.Context, d *DB) ([]string, error) {
	conn, major, err := connect(ctx, d)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	es, err := catalogEntries(ctx, conn, major)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.obj + " " + e.attr + ": " + strings.ReplaceAll(e.val, "\n", "\n\t")
	}
	return lines, nil
}
