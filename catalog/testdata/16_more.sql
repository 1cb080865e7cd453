-- More shapes: multiple inheritance, partitions with own columns order and
-- constraints, cross-table sequence defaults, INSTEAD OF triggers, arrays of
-- domains, views across schemas, generated columns calling functions.
CREATE TABLE s1.pa (x int NOT NULL DEFAULT 1, y text);
CREATE TABLE s1.pb (x int, z int CHECK (z > 0));
CREATE TABLE s1.pab (w int, y text DEFAULT 'own') INHERITS (s1.pa, s1.pb);
CREATE TABLE s1.rp (a int, b text, c date, CHECK (a <> 0)) PARTITION BY LIST (b);
CREATE TABLE s1.rp_x (c date, b text, a int, extra_check int CHECK (extra_check > 0));
ALTER TABLE s1.rp_x DROP COLUMN extra_check;
ALTER TABLE s1.rp_x ADD CONSTRAINT rp_a_check CHECK (a <> 0);
ALTER TABLE s1.rp ATTACH PARTITION s1.rp_x FOR VALUES IN ('x', NULL);
CREATE TABLE s1.rp_def PARTITION OF s1.rp DEFAULT;
CREATE INDEX rp_def_own ON s1.rp_def (c);
CREATE SEQUENCE s1.shared_seq;
CREATE TABLE s1.seq_user (id bigint DEFAULT nextval('s1.shared_seq'));
ALTER SEQUENCE s1.shared_seq OWNED BY s1.seq_user.id;
CREATE TABLE s1.seq_user2 (id bigint DEFAULT nextval('s1.shared_seq'));
CREATE VIEW "select".cross_v AS SELECT id FROM s1.seq_user;
CREATE VIEW s1.on_cross AS SELECT * FROM "select".cross_v;
CREATE FUNCTION s1.instead() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER on_cross_ins INSTEAD OF INSERT ON s1.on_cross FOR EACH ROW EXECUTE FUNCTION s1.instead();
CREATE DOMAIN s1.small AS int CHECK (VALUE < 100);
CREATE TABLE s1.dom_arr (v s1.small[], r s1.floatrange[]);
CREATE FUNCTION s1.twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE s1.gen_fn (a int, b int GENERATED ALWAYS AS (s1.twice(a)) STORED);
CREATE MATERIALIZED VIEW s1.mv_idx AS SELECT a, b FROM s1.gen_fn;
CREATE INDEX mv_idx_a ON s1.mv_idx (a);
COMMENT ON MATERIALIZED VIEW s1.mv_idx IS 'mv';
CREATE TABLE s1.excl_parted (a int, b int) PARTITION BY RANGE (a);
ALTER TABLE s1.excl_parted ADD CONSTRAINT excl_parted_uq UNIQUE (a, b);
CREATE TABLE s1.excl_parted_1 PARTITION OF s1.excl_parted FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
-- Inherited generated columns.
CREATE TABLE s1.gen_parent (a int, b int GENERATED ALWAYS AS (a * 2) STORED);
CREATE TABLE s1.gen_child (c int) INHERITS (s1.gen_parent);
COMMENT ON CONSTRAINT ctext_nonempty ON DOMAIN s1.ctext IS 'not valid yet';
