-- Operators and casts between user types.
CREATE FUNCTION s1.pair_eq(s1.pair, s1.pair) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1.a = $2.a';
CREATE OPERATOR s1.=== (FUNCTION = s1.pair_eq, LEFTARG = s1.pair, RIGHTARG = s1.pair, COMMUTATOR = OPERATOR(s1.===),
  RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE FUNCTION s1.neg_pair(s1.pair) RETURNS s1.pair LANGUAGE sql IMMUTABLE AS 'SELECT ROW(-$1.a, $1.b)::s1.pair';
CREATE OPERATOR s1.- (FUNCTION = s1.neg_pair, RIGHTARG = s1.pair);
COMMENT ON OPERATOR s1.=== (s1.pair, s1.pair) IS 'pair equality';
CREATE FUNCTION s1.pair_to_int(s1.pair) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1.a';
CREATE CAST (s1.pair AS int) WITH FUNCTION s1.pair_to_int(s1.pair) AS ASSIGNMENT;
CREATE CAST (s1.mood AS text) WITH INOUT;
