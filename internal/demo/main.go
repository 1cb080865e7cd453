// Command demo supports scripts/demo: it creates the demo database, creates an
// empty target database, and compares two databases' tables by row count and
// content hash. It is not part of pgstow; it saves the demo from needing psql.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
)

const demoSchema = `
CREATE SCHEMA shop;
CREATE TYPE shop.status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE shop.customer (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    email text UNIQUE,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE shop.orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customer(id),
    status shop.status NOT NULL DEFAULT 'new',
    total numeric(12,2) NOT NULL CHECK (total >= 0),
    items jsonb,
    note text
);
CREATE INDEX orders_customer_idx ON shop.orders (customer_id);
CREATE VIEW shop.paid_orders AS SELECT * FROM shop.orders WHERE status = 'paid';
COMMENT ON TABLE shop.orders IS 'one row per order';
INSERT INTO shop.customer (name, email, created)
SELECT 'customer ' || i, 'c' || i || '@example.org', timestamptz '2026-01-01' + i * interval '1 minute'
FROM generate_series(1, 20000) i;
INSERT INTO shop.orders (customer_id, status, total, items, note)
SELECT 1 + i % 20000, (ARRAY['new','paid','shipped'])[1 + i % 3]::shop.status, (i % 997) * 1.25,
       jsonb_build_object('sku', i % 101, 'qty', 1 + i % 5),
       CASE WHEN i % 10 = 0 THEN E'tab\there, newline\nthere, backslash \\ ü' END
FROM generate_series(1, 200000) i;
`

func main() {
	conninfo := flag.String("d", "", "connection string of a maintenance database")
	create := flag.String("create", "", "create this demo database with data")
	createEmpty := flag.String("createempty", "", "create this empty database")
	compare := flag.String("compare", "", "compare two databases: a,b")
	flag.Parse()
	if err := run(context.Background(), *conninfo, *create, *createEmpty, *compare); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func connect(ctx context.Context, conninfo, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(conninfo)
	if err != nil {
		return nil, err
	}
	if db != "" {
		cfg.Database = db
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func run(ctx context.Context, conninfo, create, createEmpty, compare string) error {
	for _, name := range []string{create, createEmpty} {
		if name == "" {
			continue
		}
		conn, err := connect(ctx, conninfo, "")
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0")
		conn.Close(ctx)
		if err != nil {
			return err
		}
	}
	if create != "" {
		conn, err := connect(ctx, conninfo, create)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		if _, err := conn.PgConn().Exec(ctx, demoSchema).ReadAll(); err != nil {
			return err
		}
		fmt.Println("created database", create, "(2 tables, 220,000 rows)")
	}
	if compare != "" {
		names := strings.Split(compare, ",")
		if len(names) != 2 {
			return fmt.Errorf("-compare wants a,b")
		}
		var sums [2]map[string]string
		for i, n := range names {
			s, err := tableSums(ctx, conninfo, n)
			if err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			sums[i] = s
		}
		diff := 0
		for t, a := range sums[0] {
			b := sums[1][t]
			status := "same"
			if a != b {
				status, diff = "DIFFERENT", diff+1
			}
			fmt.Printf("%-20s %-28s %s\n", t, a, status)
		}
		for t := range sums[1] {
			if _, ok := sums[0][t]; !ok {
				fmt.Printf("%-20s only in %s\n", t, names[1])
				diff++
			}
		}
		if diff > 0 {
			return fmt.Errorf("%d tables differ", diff)
		}
		fmt.Println("restored database equals the source (row counts and content hashes)")
	}
	return nil
}

func tableSums(ctx context.Context, conninfo, db string) (map[string]string, error) {
	conn, err := connect(ctx, conninfo, db)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, t := range tables {
		var n int64
		var h string
		if err := conn.QueryRow(ctx, "SELECT count(*), coalesce(sum(hashtext(x::text)::numeric), 0)::text FROM "+t+" x").Scan(&n, &h); err != nil {
			return nil, err
		}
		out[t] = fmt.Sprintf("%d rows, hash %s", n, h)
	}
	return out, nil
}
