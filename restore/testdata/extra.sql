-- Extra fixture for restore tests: enough rows that parallel loading and index
-- builds overlap, foreign keys between loaded tables, a postponed matview
-- refresh, an event trigger and non-ASCII text.
CREATE SCHEMA bulk;
CREATE TABLE bulk.accounts (id bigint PRIMARY KEY, name text NOT NULL, balance numeric(12,2), created date);
CREATE TABLE bulk.movements (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES bulk.accounts (id),
    amount numeric(12,2),
    note text
);
CREATE TABLE bulk."Empty Table" (x int);
CREATE INDEX movements_account_idx ON bulk.movements (account_id);
CREATE INDEX movements_note_idx ON bulk.movements (note) WHERE amount > 0;
CREATE UNIQUE INDEX accounts_name_idx ON bulk.accounts (name);
INSERT INTO bulk.accounts SELECT g, 'acct ' || g || ' ü€', (g % 1000) / 7.0, date '2020-01-01' + g % 365 FROM generate_series(1, 20000) g;
INSERT INTO bulk.movements (account_id, amount, note)
    SELECT 1 + g % 20000, (g % 500) - 250, CASE WHEN g % 3 = 0 THEN NULL ELSE E'note\t' || g END FROM generate_series(1, 60000) g;
CREATE MATERIALIZED VIEW bulk.totals AS
    SELECT m.account_id, sum(m.amount) AS total FROM bulk.movements m JOIN bulk.accounts a ON a.id = m.account_id GROUP BY m.account_id;
CREATE UNIQUE INDEX totals_idx ON bulk.totals (account_id);
