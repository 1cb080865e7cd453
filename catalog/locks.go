package catalog

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// LockList returns the quoted names of the tables (plain and partitioned) that a
// dump with options o reads, in OID order: the ones pg_dump locks with ACCESS
// SHARE before it reads their definitions. It is one cheap catalog query that takes
// no locks itself, so a caller can lock these tables before Load, whose deparsing
// functions would otherwise wait on a conflicting lock without naming the table.
func LockList(ctx context.Context, q Querier, o Options) ([]string, error) {
	f, err := compileFilter(o.Filter)
	if err != nil {
		return nil, fmt.Errorf("catalog: filter: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.oid`)
	if err != nil {
		return nil, fmt.Errorf("catalog: list tables to lock: %w", err)
	}
	var out []string
	var schema, name string
	_, err = pgx.ForEachRow(rows, []any{&schema, &name}, func() error {
		selected := f.tableSelected(schema, name, 'r')
		if !f.tablesOnly() {
			selected = selected && f.schemaSelected(schema)
		}
		if selected {
			out = append(out, quoteIdent(schema)+"."+quoteIdent(name))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: list tables to lock: %w", err)
	}
	return out, nil
}
