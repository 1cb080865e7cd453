-- NULLS NOT DISTINCT and security_invoker (15+), unlogged sequence.
CREATE TABLE s1.nnd (a int, b int);
CREATE UNIQUE INDEX nnd_a ON s1.nnd (a) NULLS NOT DISTINCT;
ALTER TABLE s1.nnd ADD CONSTRAINT nnd_b UNIQUE NULLS NOT DISTINCT (b);
CREATE VIEW s1.v_invoker WITH (security_invoker = true) AS SELECT 1 AS one;
CREATE UNLOGGED SEQUENCE s1.useq;
