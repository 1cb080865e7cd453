-- Operator families and classes: a btree class with its own family, a loose
-- cross-type member added to the family, a class in a differently named family,
-- a hash class, a GiST-less STORAGE case via a btree class on a domain-free type,
-- a comment and a non-default owner.
CREATE SCHEMA opc;
CREATE FUNCTION opc.abs_lt(int4, int4) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) < abs($2)';
CREATE FUNCTION opc.abs_le(int4, int4) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) <= abs($2)';
CREATE FUNCTION opc.abs_eq(int4, int4) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) = abs($2)';
CREATE FUNCTION opc.abs_ge(int4, int4) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) >= abs($2)';
CREATE FUNCTION opc.abs_gt(int4, int4) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) > abs($2)';
CREATE FUNCTION opc.abs_cmp(int4, int4) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT btint4cmp(abs($1), abs($2))';
CREATE FUNCTION opc.abs_hash(int4) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT hashint4(abs($1))';
CREATE FUNCTION opc.abs_lt8(int4, int8) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) < abs($2)';
CREATE FUNCTION opc.abs_cmp8(int4, int8) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT btint8cmp(abs($1)::int8, abs($2))';
CREATE OPERATOR opc.<| (FUNCTION = opc.abs_lt, LEFTARG = int4, RIGHTARG = int4);
CREATE OPERATOR opc.<=| (FUNCTION = opc.abs_le, LEFTARG = int4, RIGHTARG = int4);
CREATE OPERATOR opc.=| (FUNCTION = opc.abs_eq, LEFTARG = int4, RIGHTARG = int4, HASHES, MERGES);
CREATE OPERATOR opc.>=| (FUNCTION = opc.abs_ge, LEFTARG = int4, RIGHTARG = int4);
CREATE OPERATOR opc.>| (FUNCTION = opc.abs_gt, LEFTARG = int4, RIGHTARG = int4);
CREATE OPERATOR opc.<| (FUNCTION = opc.abs_lt8, LEFTARG = int4, RIGHTARG = int8);
CREATE OPERATOR CLASS opc.abs_ops FOR TYPE int4 USING btree AS
  OPERATOR 1 opc.<|, OPERATOR 2 opc.<=|, OPERATOR 3 opc.=|, OPERATOR 4 opc.>=|, OPERATOR 5 opc.>|,
  FUNCTION 1 opc.abs_cmp(int4, int4);
ALTER OPERATOR FAMILY opc.abs_ops USING btree ADD
  OPERATOR 1 opc.<| (int4, int8), FUNCTION 1 (int4, int8) opc.abs_cmp8(int4, int8);
CREATE OPERATOR FAMILY opc.abs_hash_fam USING hash;
CREATE OPERATOR CLASS opc.abs_hash_ops FOR TYPE int4 USING hash FAMILY opc.abs_hash_fam AS
  OPERATOR 1 opc.=|, FUNCTION 1 opc.abs_hash(int4);
COMMENT ON OPERATOR CLASS opc.abs_ops USING btree IS 'absolute order';
COMMENT ON OPERATOR FAMILY opc.abs_hash_fam USING hash IS 'absolute hash family';
CREATE OPERATOR FAMILY opc.empty_fam USING btree;
ALTER OPERATOR FAMILY opc.empty_fam USING btree OWNER TO catalog_r1;
CREATE TABLE opc.t (a int4, b int4);
INSERT INTO opc.t VALUES (1, -1), (-3, 2);
CREATE INDEX t_abs ON opc.t (a opc.abs_ops);
CREATE INDEX t_hash ON opc.t USING hash (b opc.abs_hash_ops);
-- A GiST class with STORAGE different from its input type (box_ops-like over the
-- built-in support functions of circle's class).
CREATE OPERATOR CLASS opc.circle_box_ops FOR TYPE circle USING gist AS
  OPERATOR 3 pg_catalog.&& (circle, circle),
  FUNCTION 1 pg_catalog.gist_circle_consistent(internal, circle, smallint, oid, internal),
  FUNCTION 2 pg_catalog.gist_box_union(internal, internal),
  FUNCTION 3 pg_catalog.gist_circle_compress(internal),
  FUNCTION 5 pg_catalog.gist_box_penalty(internal, internal, internal),
  FUNCTION 6 pg_catalog.gist_box_picksplit(internal, internal),
  FUNCTION 7 pg_catalog.gist_box_same(box, box, internal),
  STORAGE box;
