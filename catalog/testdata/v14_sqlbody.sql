-- SQL-standard function bodies depend on the objects they use (14+): a table
-- whose default calls a function that reads the table.
CREATE TABLE s1.counter (id int, n int);
CREATE FUNCTION s1.next_n() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT coalesce(max(n), 0) + 1 FROM s1.counter; END;
ALTER TABLE s1.counter ALTER COLUMN n SET DEFAULT s1.next_n();
CREATE PROCEDURE s1.sqlproc(a int) LANGUAGE sql BEGIN ATOMIC INSERT INTO s1.counter (id) VALUES (a); END;
