-- A modest source for round trips through pgstow's own dump: common object kinds
-- besides the bulk schema.
DO $$ BEGIN CREATE ROLE pgstow_restore_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA "Mixed Schema";
CREATE TABLE "Mixed Schema"."Item" (id serial PRIMARY KEY, label text UNIQUE, payload bytea, doc jsonb);
INSERT INTO "Mixed Schema"."Item" (label, payload, doc)
    SELECT 'item ' || g, decode(md5(g::text), 'hex'), jsonb_build_object('g', g) FROM generate_series(1, 2000) g;
CREATE VIEW bulk.rich AS SELECT id, name FROM bulk.accounts WHERE balance > 100;
COMMENT ON TABLE bulk.accounts IS 'accounts';
GRANT SELECT ON bulk.accounts TO pgstow_restore_reader;
CREATE SEQUENCE public.counter START 10;
SELECT nextval('public.counter');
