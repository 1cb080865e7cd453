-- Aggregates, collations, extended statistics.
CREATE AGGREGATE s1.mysum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
CREATE AGGREGATE s1.myavg(float8) (SFUNC = float8_accum, STYPE = float8[], FINALFUNC = float8_avg,
  COMBINEFUNC = float8_combine, INITCOND = '{0,0,0}', PARALLEL = SAFE);
CREATE AGGREGATE s1.mypct(float8 ORDER BY float8) (SFUNC = ordered_set_transition, STYPE = internal,
  FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
COMMENT ON AGGREGATE s1.mysum(int) IS 'sums';
CREATE COLLATION s1.mycoll (provider = libc, locale = 'C');
CREATE COLLATION s1."Other Coll" FROM "POSIX";
CREATE TABLE s1.coll_user (a text COLLATE s1.mycoll, b text COLLATE s1."Other Coll");
CREATE STATISTICS s1.st1 (dependencies, ndistinct) ON a, b FROM s1.coll_user;
