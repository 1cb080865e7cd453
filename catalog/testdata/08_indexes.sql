-- Indexes and constraints: unique, partial, expression, opclass, INCLUDE,
-- exclusion, foreign keys with actions/match/deferrable, clustering.
CREATE TABLE s1.ix (a int, b text, c int, d tsrange);
CREATE UNIQUE INDEX ix_ab ON s1.ix (a, lower(b)) WHERE c > 0;
CREATE INDEX ix_pattern ON s1.ix (b text_pattern_ops DESC NULLS LAST) INCLUDE (c);
CREATE INDEX ix_hash ON s1.ix USING hash (b);
CREATE INDEX ix_stats ON s1.ix ((a + c));
ALTER INDEX s1.ix_stats ALTER COLUMN 1 SET STATISTICS 200;
ALTER TABLE s1.ix ADD CONSTRAINT ix_a_uniq UNIQUE (a);
ALTER TABLE s1.ix ADD CONSTRAINT ix_c_uniq UNIQUE (c) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE s1.ix ADD CONSTRAINT ix_excl EXCLUDE USING gist (d WITH &&);
ALTER TABLE s1.ix CLUSTER ON ix_a_uniq;
CREATE TABLE s1.fk (
  a int REFERENCES s1.ix (a) ON UPDATE CASCADE ON DELETE SET DEFAULT,
  b int,
  c int,
  CONSTRAINT fk_self FOREIGN KEY (b) REFERENCES s1.t1 (id) MATCH FULL DEFERRABLE
);
ALTER TABLE s1.fk ADD CONSTRAINT fk_nv FOREIGN KEY (c) REFERENCES s1.t1 (id) NOT VALID;
CREATE TABLE s1.cyc_a (id int PRIMARY KEY, b_id int);
CREATE TABLE s1.cyc_b (id int PRIMARY KEY, a_id int REFERENCES s1.cyc_a);
ALTER TABLE s1.cyc_a ADD FOREIGN KEY (b_id) REFERENCES s1.cyc_b;
CREATE TABLE s1.ri (a int NOT NULL);
CREATE UNIQUE INDEX ri_a ON s1.ri (a);
ALTER TABLE s1.ri REPLICA IDENTITY USING INDEX ri_a;
COMMENT ON INDEX s1.ix_hash IS 'hash index';
COMMENT ON CONSTRAINT ix_a_uniq ON s1.ix IS 'unique a';
