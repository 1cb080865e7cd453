package catalog

import "strings"

// keywords holds the PostgreSQL keywords that are not unreserved (categories
// reserved, type_func_name and col_name, as of PostgreSQL 18). pg_dump quotes an
// identifier that equals one of them.
var keywordList = `between bigint bit boolean char character coalesce dec decimal exists extract
float greatest grouping inout int integer interval json json_array json_arrayagg json_exists
json_object json_objectagg json_query json_scalar json_serialize json_table json_value least
merge_action national nchar none normalize nullif numeric out overlay position precision real
row setof smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat
xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
all analyse analyze and any array as asc asymmetric both case cast check collate column
constraint create current_catalog current_date current_role current_time current_timestamp
current_user default deferrable desc distinct do else end except false fetch for foreign from
grant group having in initially intersect into lateral leading limit localtime localtimestamp
not null offset on only or order placing primary references returning select session_user
some symmetric system_user table then to trailing true union unique user using variadic when
where window with
authorization binary collation concurrently cross current_schema freeze full ilike inner is
isnull join left like natural notnull outer overlaps right similar tablesample verbose`

// isKeyword reports whether w is a keyword that needs quoting as an identifier.
func isKeyword(w string) bool {
	_, ok := keywordSet()[w]
	return ok
}

type kwSet map[string]struct{}

// keywordSet is built once at package init and only read afterwards.
var keywords = buildKeywords()

func keywordSet() kwSet { return keywords }

func buildKeywords() kwSet {
	m := kwSet{}
	for _, w := range strings.Fields(keywordList) {
		m[w] = struct{}{}
	}
	return m
}

// quoteIdent quotes an identifier the way pg_dump's fmtId does: only when it is
// not all lower-case letters, digits and underscores (not starting with a digit),
// or is a keyword.
func quoteIdent(s string) string {
	safe := s != ""
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9':
			if i == 0 {
				safe = false
			}
		default:
			safe = false
		}
	}
	if safe && !isKeyword(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// qualify returns schema.name with both parts quoted as needed.
func qualify(schema, name string) string {
	if schema == "" {
		return quoteIdent(name)
	}
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// quoteLiteral returns s as an SQL string literal, assuming
// standard_conforming_strings is on unless std is false.
func quoteLiteral(s string, std bool) string {
	if !std && strings.Contains(s, `\`) {
		return "E'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `''`) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
