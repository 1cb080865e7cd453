-- Multirange types (14+): a range whose multirange has a name of its own, one
-- with the default name, columns and a function using the multiranges, and a
-- range over a non-default operator class.
CREATE SCHEMA mr;
CREATE TYPE mr.intr AS RANGE (subtype = int4, multirange_type_name = mr."Int Multi");
CREATE TYPE mr.numr AS RANGE (subtype = numeric);
CREATE TABLE mr.t (a mr."Int Multi", b mr.numr_multirange, c mr.intr);
INSERT INTO mr.t VALUES ('{[1,3), [5,7)}', '{[1.5,2.5]}', '[2,4)');
CREATE FUNCTION mr.width(mr."Int Multi") RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT upper($1) - lower($1)';
COMMENT ON TYPE mr.intr IS 'range with a named multirange';
CREATE TYPE mr.textr_c AS RANGE (subtype = text, subtype_opclass = text_pattern_ops);
