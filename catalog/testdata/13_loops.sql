-- Dependency loops pg_dump breaks: a view and a function returning its row type
-- that reference each other; a default calling a function defined later.
CREATE VIEW s1.loop_v AS SELECT 1 AS a, 'x'::text AS b;
CREATE FUNCTION s1.loop_f() RETURNS SETOF s1.loop_v LANGUAGE sql AS 'SELECT * FROM s1.loop_v';
CREATE OR REPLACE VIEW s1.loop_v AS SELECT a, b FROM s1.loop_f() UNION ALL SELECT 2, 'y';
COMMENT ON VIEW s1.loop_v IS 'looping view';
CREATE FUNCTION s1.zzz_later() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TABLE s1.aaa_first (x int DEFAULT s1.zzz_later());
-- A view that groups by a primary key depends on a post-data constraint.
CREATE TABLE s1.gb (id int PRIMARY KEY, v text);
CREATE VIEW s1.gbv AS SELECT id, v FROM s1.gb GROUP BY id;
-- A CHECK constraint and a default calling functions that take the table's row
-- type: pg_dump dumps both separately.
CREATE TABLE s1.selfcheck (a int, b int);
CREATE FUNCTION s1.check_row(s1.selfcheck) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1.a IS NOT NULL';
ALTER TABLE s1.selfcheck ADD CONSTRAINT selfcheck_row CHECK (s1.check_row(selfcheck.*));
CREATE FUNCTION s1.mk(s1.selfcheck) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
ALTER TABLE s1.selfcheck ALTER COLUMN b SET DEFAULT s1.mk(NULL::s1.selfcheck);
