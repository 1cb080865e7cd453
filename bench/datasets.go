package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// dataset builds one source database deterministically: the same flags give the
// same rows on every run.
type dataset struct {
	name  string
	desc  string
	build func(ctx context.Context, c *cluster, db string) error
}

// sizes are the knobs of the datasets; quick mode shrinks them.
type sizes struct {
	scale      int // pgbench -s
	manyTables int // tables of the many-tables dataset
	wideRows   int // rows of the wide-types table
	appOrders  int // rows of the app-shaped dataset's huge table
}

func datasets(sz sizes, pgbin string) []dataset {
	return []dataset{
		{"pgbench", fmt.Sprintf("pgbench -i -s %d: one dominant table (pgbench_accounts, %d rows), PKs", sz.scale, sz.scale*100000),
			func(ctx context.Context, c *cluster, db string) error {
				return buildPgbench(ctx, c, db, pgbin, sz.scale)
			}},
		{"many", fmt.Sprintf("%d tables of 4 shapes and mixed sizes (500 to 100,000 rows), a PK and a second index each", sz.manyTables),
			func(ctx context.Context, c *cluster, db string) error { return buildMany(ctx, c, db, sz.manyTables) }},
		{"wide", fmt.Sprintf("one table of %d rows: numeric, timestamptz, jsonb, int[], bytea, text of 0.3-2 kB (every 100th row 20 kB, TOASTed)", sz.wideRows),
			func(ctx context.Context, c *cluster, db string) error { return buildWide(ctx, c, db, sz.wideRows) }},
		{"app", fmt.Sprintf("orders (%d rows) with 7 indexes and 2 FKs, customers, products, order_events (FK to orders)", sz.appOrders),
			func(ctx context.Context, c *cluster, db string) error { return buildApp(ctx, c, db, sz.appOrders) }},
	}
}

func buildPgbench(ctx context.Context, c *cluster, db, pgbin string, scale int) error {
	// Steps: drop, create tables, server-side generate, vacuum, primary keys.
	cmd := exec.CommandContext(ctx, filepath.Join(pgbin, "pgbench"), "-i", "-q", "-I", "dtGvp",
		"-s", strconv.Itoa(scale), "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", db)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	return nil
}

// manyTableSQL returns the DDL and data of table i of the many-tables dataset.
// Sizes: every 100th table 100,000 rows, every 10th 10,000, the others 500.
func manyTableSQL(i int) string {
	rows := 500
	switch {
	case i%100 == 0:
		rows = 100000
	case i%10 == 0:
		rows = 10000
	}
	t := fmt.Sprintf("public.t_%04d", i)
	var create, fill, index string
	switch i % 4 {
	case 0:
		create = "id int PRIMARY KEY, k int NOT NULL, name text, amount numeric(12,2), created timestamptz, flag boolean"
		fill = "g, (g*7919) % 1000, md5(g::text), (g % 100000) / 100.0, timestamptz '2024-01-01 00:00+00' + g * interval '1 minute', g % 3 = 0"
		index = "k"
	case 1:
		create = "id bigint PRIMARY KEY, payload jsonb, tags text[]"
		fill = "g, jsonb_build_object('g', g, 'h', md5(g::text), 'even', g % 2 = 0), ARRAY[md5(g::text), (g % 7)::text]"
		index = "(payload->>'h')"
	case 2:
		create = "id int PRIMARY KEY, d date, v double precision, u uuid"
		fill = "g, date '2020-01-01' + g % 2000, g / 7.0, md5(g::text)::uuid"
		index = "d"
	case 3:
		create = "id int PRIMARY KEY, b bytea, note varchar(200)"
		fill = "g, decode(md5(g::text), 'hex'), repeat(chr(97 + g % 26), 10 + g % 150)"
		index = "note"
	}
	return fmt.Sprintf("CREATE TABLE %s (%s);\nINSERT INTO %s SELECT %s FROM generate_series(1, %d) g;\nCREATE INDEX ON %s (%s);\n",
		t, create, t, fill, rows, t, index)
}

func buildMany(ctx context.Context, c *cluster, db string, n int) error {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(manyTableSQL(i))
		if i%50 == 0 || i == n {
			if err := c.exec(ctx, db, b.String()); err != nil {
				return fmt.Errorf("many tables up to t_%04d: %w", i, err)
			}
			b.Reset()
		}
	}
	return nil
}

func buildWide(ctx context.Context, c *cluster, db string, rows int) error {
	return c.exec(ctx, db, strings.ReplaceAll(`
CREATE TABLE public.wide (
  id bigint PRIMARY KEY,
  n numeric,
  ts timestamptz,
  doc jsonb,
  ints int[],
  bin bytea,
  body text
);
INSERT INTO public.wide
SELECT g,
  round(g::numeric * 982451653 / 7919, 12),
  timestamptz '2000-01-01 00:00+00' + g * interval '37 seconds 123456 microseconds',
  jsonb_build_object('id', g, 'name', md5(g::text), 'tags', jsonb_build_array(g % 10, g % 7, 'x' || g % 13),
    'nested', jsonb_build_object('a', g % 100, 'b', md5((g + 1)::text), 'f', g / 3.0)),
  ARRAY[g, g * 2, g % 1000, -g, g % 7, g % 11, g % 13, g % 17, g % 19, g % 23]::int[],
  decode(repeat(md5(g::text), 4), 'hex'),
  CASE WHEN g % 100 = 0 THEN repeat(md5(g::text), 640) ELSE repeat(md5(g::text), 8 + g % 56) END
FROM generate_series(1, $ROWS) g;
`, "$ROWS", strconv.Itoa(rows)))
}

func buildApp(ctx context.Context, c *cluster, db string, orders int) error {
	customers, products, events := max(orders/10, 100), min(max(orders/100, 100), 10000), orders/4
	return c.exec(ctx, db, fmt.Sprintf(`
CREATE TABLE public.customers (
  id bigint PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  country char(2) NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO public.customers
SELECT g, 'user' || g || '@example.com', initcap(md5(g::text)), chr(65 + g %% 26) || chr(65 + g %% 19),
  timestamptz '2015-01-01 00:00+00' + g * interval '5 minutes'
FROM generate_series(1, %[1]d) g;

CREATE TABLE public.products (
  id int PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  price numeric(10,2) NOT NULL CHECK (price >= 0)
);
INSERT INTO public.products
SELECT g, 'SKU-' || lpad(g::text, 8, '0'), 'product ' || md5(g::text), (g %% 5000) / 10.0 + 0.99
FROM generate_series(1, %[2]d) g;

CREATE TABLE public.orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES public.customers,
  product_id int NOT NULL REFERENCES public.products,
  qty int NOT NULL,
  amount numeric(12,2) NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  shipped_at timestamptz,
  note text
);
INSERT INTO public.orders
SELECT g, 1 + (g::bigint * 7919) %% %[1]d, 1 + (g::bigint * 104729) %% %[2]d, 1 + g %% 9, (g %% 100000) / 10.0,
  (ARRAY['new','paid','shipped','done','done','done','cancelled'])[1 + g %% 7],
  timestamptz '2020-01-01 00:00+00' + g * interval '13 seconds',
  CASE WHEN g %% 7 IN (2, 3, 4, 5) THEN timestamptz '2020-01-02 00:00+00' + g * interval '13 seconds' END,
  CASE WHEN g %% 5 = 0 THEN 'note ' || md5(g::text) END
FROM generate_series(1, %[3]d) g;
CREATE INDEX orders_customer ON public.orders (customer_id);
CREATE INDEX orders_product ON public.orders (product_id);
CREATE INDEX orders_created ON public.orders (created_at);
CREATE INDEX orders_customer_created ON public.orders (customer_id, created_at DESC);
CREATE INDEX orders_open ON public.orders (status) WHERE status <> 'done';
CREATE INDEX orders_day ON public.orders (date_trunc('day', created_at AT TIME ZONE 'UTC'));

CREATE TABLE public.order_events (
  id bigint PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES public.orders,
  kind text NOT NULL,
  at timestamptz NOT NULL
);
INSERT INTO public.order_events
SELECT g, 1 + (g::bigint * 31337) %% %[3]d, (ARRAY['created','paid','shipped','delivered'])[1 + g %% 4],
  timestamptz '2020-01-01 00:00+00' + g * interval '29 seconds'
FROM generate_series(1, %[4]d) g;
CREATE INDEX order_events_order ON public.order_events (order_id);
`, customers, products, orders, events))
}

// tableInfo is one ordinary table of a source database.
type tableInfo struct {
	name   string // quoted and schema-qualified
	blocks int64
}

// listTables returns the user tables of db with their size in blocks.
func listTables(ctx context.Context, c *cluster, db string) ([]tableInfo, error) {
	conn, err := c.connect(ctx, db)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
SELECT format('%I.%I', n.nspname, c.relname), pg_relation_size(c.oid) / current_setting('block_size')::int
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", db, err)
	}
	var ts []tableInfo
	for rows.Next() {
		var t tableInfo
		if err := rows.Scan(&t.name, &t.blocks); err != nil {
			return nil, fmt.Errorf("list tables of %s: %w", db, err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// fingerprint is what a restore must reproduce: the row count of every table and
// the number of indexes and constraints.
type fingerprint map[string]int64

func takeFingerprint(ctx context.Context, c *cluster, db string) (fingerprint, error) {
	tables, err := listTables(ctx, c, db)
	if err != nil {
		return nil, err
	}
	conn, err := c.connect(ctx, db)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	fp := fingerprint{}
	for _, t := range tables {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+t.name).Scan(&n); err != nil {
			return nil, fmt.Errorf("count rows of %s.%s: %w", db, t.name, err)
		}
		fp["rows of "+t.name] = n
	}
	var idx, con int64
	if err := conn.QueryRow(ctx, `
SELECT (SELECT count(*) FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')),
       (SELECT count(*) FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))`).Scan(&idx, &con); err != nil {
		return nil, fmt.Errorf("count indexes of %s: %w", db, err)
	}
	fp["indexes"], fp["constraints"] = idx, con
	return fp, nil
}

// diff describes how got differs from want, or returns "" when they are equal.
func (want fingerprint) diff(got fingerprint) string {
	var d []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			d = append(d, k+": missing")
		} else if g != w {
			d = append(d, fmt.Sprintf("%s: %d, want %d", k, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, k+": unexpected")
		}
	}
	sort.Strings(d)
	if len(d) > 5 {
		d = append(d[:5], fmt.Sprintf("and %d more", len(d)-5))
	}
	return strings.Join(d, "; ")
}

func (fp fingerprint) totalRows() int64 {
	var n int64
	for k, v := range fp {
		if strings.HasPrefix(k, "rows of ") {
			n += v
		}
	}
	return n
}
