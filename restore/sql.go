package restore

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pgstow/pgstow/format"
)

// keywords that pg_dump's fmtId quotes (reserved, type/function-name and
// column-name keywords; unreserved ones need no quotes).
var quotedKeywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric
	authorization between bigint binary bit boolean both case cast char character check
	coalesce collate collation column concurrently constraint create cross current_catalog
	current_date current_role current_schema current_time current_timestamp current_user dec
	decimal default deferrable desc distinct do else end except exists extract false fetch
	float for foreign freeze from full grant greatest group grouping having ilike in
	initially inner inout int integer intersect interval into is isnull join json
	json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
	json_serialize json_table json_value lateral leading least left like limit localtime
	localtimestamp merge_action national natural nchar none normalize not notnull null
	nullif numeric offset on only or order out outer overlaps overlay placing position
	precision primary real references returning right row select session_user setof
	similar smallint some substring symmetric system_user table tablesample then time
	timestamp to trailing treat trim true union unique user using values varchar variadic
	verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest
	xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`) {
		quotedKeywords[w] = true
	}
}

// quoteIdent quotes an identifier when PostgreSQL needs it, like pg_dump's fmtId.
func quoteIdent(s string) string {
	simple := s != ""
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case (c >= '0' && c <= '9') || c == '$':
			if i == 0 {
				simple = false
			}
		default:
			simple = false
		}
	}
	if simple && !quotedKeywords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func quoteQualified(ns, name string) string {
	if ns == "" {
		return quoteIdent(name)
	}
	return quoteIdent(ns) + "." + quoteIdent(name)
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ownerStatement is the ALTER ... OWNER TO that pg_restore emits after an entry's
// definition (spec §11.6), or "" when none applies. An error means a TOC entry
// whose drop statement cannot be turned into an object name.
func ownerStatement(e *format.Entry) (string, error) {
	if e.Owner == "" || e.DropStmt == "" {
		return "", nil
	}
	var obj string
	switch e.Desc {
	case "COLLATION", "CONVERSION", "DOMAIN", "FOREIGN TABLE", "MATERIALIZED VIEW",
		"SEQUENCE", "STATISTICS", "TABLE", "TEXT SEARCH DICTIONARY",
		"TEXT SEARCH CONFIGURATION", "TYPE", "VIEW",
		"DATABASE", "PROCEDURAL LANGUAGE", "SCHEMA", "EVENT TRIGGER",
		"FOREIGN DATA WRAPPER", "SERVER", "PUBLICATION", "SUBSCRIPTION":
		kind := e.Desc
		switch kind {
		case "VIEW", "SEQUENCE", "MATERIALIZED VIEW":
			kind = "TABLE" // as pg_restore does; ALTER TABLE accepts all three
		}
		obj = kind + " " + quoteQualified(e.Namespace, e.Tag)
	case "BLOB":
		obj = "LARGE OBJECT " + e.Tag
	case "AGGREGATE", "FUNCTION", "OPERATOR", "OPERATOR CLASS", "OPERATOR FAMILY", "PROCEDURE":
		if !strings.HasPrefix(e.DropStmt, "DROP ") {
			return "", fmt.Errorf("unexpected DROP statement for object type %q -- perhaps a corrupt TOC", e.Desc)
		}
		obj = strings.TrimRight(e.DropStmt[len("DROP "):], ";\n")
	case "CAST", "CHECK CONSTRAINT", "CONSTRAINT", "DATABASE PROPERTIES", "DEFAULT",
		"FK CONSTRAINT", "INDEX", "RULE", "TRIGGER", "ROW SECURITY", "POLICY",
		"USER MAPPING", "BLOB METADATA":
		return "", nil
	default:
		// pg_restore 15 warns and goes on; there is no statement to run.
		return "", nil
	}
	return fmt.Sprintf("ALTER %s OWNER TO %s;\n", obj, quoteIdent(e.Owner)), nil
}

// dropStatement is the statement --clean runs for e (with --if-exists rewritten as
// pg_restore does, spec §11.4), and whether the rewrite found its place.
func dropStatement(e *format.Entry, ifExists bool) (string, bool) {
	drop := e.DropStmt
	if e.Desc == "BLOB METADATA" {
		var b strings.Builder
		for _, oid := range blobOIDs(e) {
			fmt.Fprintf(&b, "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '%s';\n", oid)
		}
		return b.String(), true
	}
	if !ifExists || strings.HasPrefix(drop, "--") {
		return drop, true
	}
	if e.Desc == "BLOB" {
		return fmt.Sprintf("SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '%s';\n", e.Tag), true
	}
	var out strings.Builder
	if strings.HasPrefix(drop, "ALTER TABLE") {
		out.WriteString("ALTER TABLE IF EXISTS")
		drop = drop[len("ALTER TABLE"):]
	}
	if e.Desc == "DEFAULT" || e.Desc == "DATABASE PROPERTIES" || strings.HasPrefix(drop, "CREATE OR REPLACE VIEW") {
		out.WriteString(drop)
		return out.String(), true
	}
	marker := "DROP " + e.Desc
	switch e.Desc {
	case "CONSTRAINT", "CHECK CONSTRAINT", "FK CONSTRAINT":
		marker = "DROP CONSTRAINT"
	}
	i := strings.Index(drop, marker)
	if i < 0 {
		out.WriteString(drop)
		return out.String(), false
	}
	out.WriteString(drop[:i])
	out.WriteString(marker)
	out.WriteString(" IF EXISTS")
	out.WriteString(drop[i+len(marker):])
	return out.String(), true
}

// blobOIDs lists the large-object OIDs of a BLOB METADATA entry (one per line of
// its defn) or the single OID of a BLOB entry.
func blobOIDs(e *format.Entry) []string {
	if e.Desc == "BLOB" {
		return []string{e.Tag}
	}
	var oids []string
	for _, l := range strings.Split(e.Defn, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		ok := true
		for _, c := range l {
			if c < '0' || c > '9' {
				ok = false
			}
		}
		if ok {
			oids = append(oids, l)
		}
	}
	return oids
}

// definition is the SQL that creates e (its defn, adjusted as pg_restore does).
func definition(lookup func(int) *format.Entry, e *format.Entry, o *Options) string {
	switch {
	case e.Desc == "BLOB METADATA":
		var b strings.Builder
		for _, oid := range blobOIDs(e) {
			fmt.Fprintf(&b, "SELECT pg_catalog.lo_create('%s');\n", oid)
			if !o.NoOwner && e.Owner != "" {
				fmt.Fprintf(&b, "ALTER LARGE OBJECT %s OWNER TO %s;\n", oid, quoteIdent(e.Owner))
			}
		}
		return b.String()
	case e.Desc == "ACL" && strings.HasPrefix(e.Tag, "LARGE OBJECTS "):
		return expandLOACL(lookup, e)
	case o.NoOwner && e.Desc == "SCHEMA" && !strings.HasPrefix(e.Defn, "--"):
		return "CREATE SCHEMA " + quoteIdent(e.Tag) + ";\n"
	}
	return e.Defn
}

// expandLOACL replays an ACL entry covering a group of large objects (archive 1.16,
// tag "LARGE OBJECTS first..last") for each OID of the group: the defn names the
// first OID and the BLOB METADATA entry it depends on lists all of them. Without
// the metadata at hand, the defn is used as is.
func expandLOACL(lookup func(int) *format.Entry, e *format.Entry) string {
	var oids []string
	for _, d := range e.Deps {
		if m := lookup(d); m != nil && m.Desc == "BLOB METADATA" {
			oids = blobOIDs(m)
			break
		}
	}
	if len(oids) < 2 {
		return e.Defn
	}
	first := oids[0]
	var b strings.Builder
	for _, oid := range oids {
		b.WriteString(strings.ReplaceAll(e.Defn, "LARGE OBJECT "+first+" ", "LARGE OBJECT "+oid+" "))
	}
	return b.String()
}

// copyTarget is the relation a COPY statement loads ("schema.table" as written).
func copyTarget(copyStmt string) string {
	s := strings.TrimPrefix(copyStmt, "COPY ")
	if s == copyStmt {
		return ""
	}
	// The target ends at " (" (column list) or " FROM"; quoted names may hold both.
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQuote = !inQuote
		case c == ' ' && !inQuote:
			return s[:i]
		}
	}
	return ""
}

// freezeCopy turns "COPY x (cols) FROM stdin;" into the same with WITH (FREEZE), or
// returns "" when the statement is not of that plain form.
func freezeCopy(copyStmt string) string {
	s := strings.TrimRight(copyStmt, "\n ")
	if !strings.HasPrefix(s, "COPY ") || !strings.HasSuffix(s, " FROM stdin;") {
		return ""
	}
	return strings.TrimSuffix(s, ";") + " WITH (FREEZE);"
}

// freezeEligible reports whether e's COPY loads the table named by the entry itself
// (not via a partition root), so TRUNCATE + COPY FREEZE of that table is valid.
func freezeEligible(e *format.Entry) bool {
	if strings.HasPrefix(e.Defn, "-- load via partition root ") {
		return false
	}
	t := copyTarget(e.CopyStmt)
	if t == "" || freezeCopy(e.CopyStmt) == "" {
		return false
	}
	return t == quoteQualified(e.Namespace, e.Tag) ||
		t == `"`+strings.ReplaceAll(e.Namespace, `"`, `""`)+`"."`+strings.ReplaceAll(e.Tag, `"`, `""`)+`"`
}

const identRE = `(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)`

// uniqueConstraintRE matches pg_dump's plain PRIMARY KEY / UNIQUE constraint:
// plain columns (not 18's "col WITHOUT OVERLAPS"), no INCLUDE, WITH, tablespace,
// DEFERRABLE or NULLS NOT DISTINCT clause.
var uniqueConstraintRE = regexp.MustCompile(`^ALTER TABLE ONLY (` + identRE + `\.` + identRE + `)\n    ADD CONSTRAINT (` +
	identRE + `) (PRIMARY KEY|UNIQUE) \((` + identRE + `(?:, ` + identRE + `)*)\);\n*$`)

// splitUniqueConstraint turns a plain PRIMARY KEY / UNIQUE constraint into the
// equivalent CREATE UNIQUE INDEX (which, unlike ALTER TABLE, runs concurrently
// with other index builds on the table) and ADD CONSTRAINT ... USING INDEX.
func splitUniqueConstraint(defn string) (index, attach string, ok bool) {
	m := uniqueConstraintRE.FindStringSubmatch(defn)
	if m == nil {
		return "", "", false
	}
	table, name, kind, cols := m[1], m[2], m[3], m[4]
	index = fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s USING btree (%s);\n", name, table, cols)
	attach = fmt.Sprintf("ALTER TABLE ONLY %s\n    ADD CONSTRAINT %s %s USING INDEX %s;\n", table, name, kind, name)
	return index, attach, true
}
