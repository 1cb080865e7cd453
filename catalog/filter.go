package catalog

import (
	"fmt"
	"regexp"
	"strings"
)

// namePattern is a compiled pg_dump name pattern: an optional schema part and a
// name part, each anchored.
type namePattern struct {
	schema *regexp.Regexp // nil: any schema
	name   *regexp.Regexp
}

func (p namePattern) match(schema, name string) bool {
	if p.schema != nil && !p.schema.MatchString(schema) {
		return false
	}
	return p.name.MatchString(name)
}

// filterSet is Filter compiled.
type filterSet struct {
	inclSchemas, exclSchemas       []*regexp.Regexp
	inclTables, exclTables, exclDt []namePattern
}

// compilePattern turns a pg_dump pattern into its dot-separated parts as
// anchored regular expressions: unquoted letters are folded to lower case, * and
// ? are wildcards, double quotes quote (with "" for a quote), and other regular
// expression characters are literal.
func compilePattern(p string) ([]*regexp.Regexp, error) {
	var parts []*regexp.Regexp
	var cur strings.Builder
	inQuote := false
	flush := func() error {
		re, err := regexp.Compile("^(?:" + cur.String() + ")$")
		if err != nil {
			return err
		}
		parts = append(parts, re)
		cur.Reset()
		return nil
	}
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '"':
			if inQuote && i+1 < len(rs) && rs[i+1] == '"' {
				cur.WriteString(regexp.QuoteMeta(`"`))
				i++
			} else {
				inQuote = !inQuote
			}
		case inQuote:
			cur.WriteString(regexp.QuoteMeta(string(c)))
		case c == '.':
			if err := flush(); err != nil {
				return nil, err
			}
		case c == '*':
			cur.WriteString(".*")
		case c == '?':
			cur.WriteString(".")
		default:
			cur.WriteString(regexp.QuoteMeta(strings.ToLower(string(c))))
		}
	}
	if inQuote {
		return nil, fmt.Errorf("pattern %q: unterminated quote", p)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return parts, nil
}

func compileFilter(f Filter) (*filterSet, error) {
	fs := &filterSet{}
	schemas := func(ps []string) ([]*regexp.Regexp, error) {
		var out []*regexp.Regexp
		for _, p := range ps {
			parts, err := compilePattern(p)
			if err != nil {
				return nil, err
			}
			switch len(parts) {
			case 1:
				out = append(out, parts[0])
			case 2: // database.schema: the database part is ignored
				out = append(out, parts[1])
			default:
				return nil, fmt.Errorf("improper qualified name (too many dotted names): %s", p)
			}
		}
		return out, nil
	}
	tables := func(ps []string) ([]namePattern, error) {
		var out []namePattern
		for _, p := range ps {
			parts, err := compilePattern(p)
			if err != nil {
				return nil, err
			}
			switch len(parts) {
			case 1:
				out = append(out, namePattern{name: parts[0]})
			case 2:
				out = append(out, namePattern{schema: parts[0], name: parts[1]})
			case 3:
				out = append(out, namePattern{schema: parts[1], name: parts[2]})
			default:
				return nil, fmt.Errorf("improper relation name (too many dotted names): %s", p)
			}
		}
		return out, nil
	}
	var err error
	if fs.inclSchemas, err = schemas(f.IncludeSchemas); err != nil {
		return nil, err
	}
	if fs.exclSchemas, err = schemas(f.ExcludeSchemas); err != nil {
		return nil, err
	}
	if fs.inclTables, err = tables(f.IncludeTables); err != nil {
		return nil, err
	}
	if fs.exclTables, err = tables(f.ExcludeTables); err != nil {
		return nil, err
	}
	if fs.exclDt, err = tables(f.ExcludeTableData); err != nil {
		return nil, err
	}
	return fs, nil
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func anyName(ps []namePattern, schema, name string) bool {
	for _, p := range ps {
		if p.match(schema, name) {
			return true
		}
	}
	return false
}

// schemaSelected reports whether objects of the schema are dumped.
func (f *filterSet) schemaSelected(name string) bool {
	if len(f.inclSchemas) > 0 && !anyMatch(f.inclSchemas, name) {
		return false
	}
	return !anyMatch(f.exclSchemas, name)
}

func (f *filterSet) hasSchemaInclude() bool { return len(f.inclSchemas) > 0 }

// tablesOnly reports whether table patterns restrict the dump to relations.
func (f *filterSet) tablesOnly() bool { return len(f.inclTables) > 0 }

// tableSelected reports whether a relation's definition is dumped.
func (f *filterSet) tableSelected(schema, name string, _ byte) bool {
	if len(f.inclTables) > 0 && !anyName(f.inclTables, schema, name) {
		return false
	}
	return !anyName(f.exclTables, schema, name)
}

func (f *filterSet) dataExcluded(schema, name string) bool {
	return anyName(f.exclDt, schema, name)
}
