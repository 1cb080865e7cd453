-- NOT NULL constraints of 18: NOT VALID ones (with rows violating them),
-- inherited ones validated below a NOT VALID parent, named ones of a child's
-- own on inherited columns, a partition's own NOT VALID one adopted by its
-- parent's, and comments on all of them.
CREATE SCHEMA nn18;
CREATE TABLE nn18.plain (a int, b int);
INSERT INTO nn18.plain VALUES (NULL, 1), (2, 2);
ALTER TABLE nn18.plain ADD CONSTRAINT plain_a_nn NOT NULL a NOT VALID;
COMMENT ON CONSTRAINT plain_a_nn ON nn18.plain IS 'not valid yet';
CREATE TABLE nn18.par (a int);
CREATE TABLE nn18.chi () INHERITS (nn18.par);
CREATE TABLE nn18.chi_own () INHERITS (nn18.par);
ALTER TABLE nn18.chi_own ADD CONSTRAINT chi_own_nn NOT NULL a;
ALTER TABLE nn18.par ADD NOT NULL a NOT VALID;
ALTER TABLE nn18.chi VALIDATE CONSTRAINT par_a_not_null;
COMMENT ON CONSTRAINT par_a_not_null ON nn18.par IS 'invalid on the parent';
COMMENT ON CONSTRAINT par_a_not_null ON nn18.chi IS 'valid on the child';
CREATE TABLE nn18.p2 (a int CONSTRAINT ann NOT NULL, b int CONSTRAINT bnn NOT NULL);
CREATE TABLE nn18.p2_child () INHERITS (nn18.p2);
ALTER TABLE ONLY nn18.p2 DROP CONSTRAINT ann;
COMMENT ON CONSTRAINT bnn ON nn18.p2_child IS 'inherited, commented';
CREATE TABLE nn18.part (a int, b int) PARTITION BY LIST (a);
ALTER TABLE nn18.part ADD CONSTRAINT part_nn NOT NULL a NOT VALID;
CREATE TABLE nn18.part_1 PARTITION OF nn18.part FOR VALUES IN (1, 2);
CREATE TABLE nn18.part_3 (a int, b int);
INSERT INTO nn18.part_3 VALUES (NULL, 1);
ALTER TABLE nn18.part_3 ADD CONSTRAINT part_3_own NOT NULL a NOT VALID;
ALTER TABLE nn18.part ATTACH PARTITION nn18.part_3 FOR VALUES IN (NULL, 5);
CREATE TABLE nn18.named (a int CONSTRAINT named_a_custom NOT NULL);
COMMENT ON CONSTRAINT named_a_custom ON nn18.named IS 'inline, commented';
