-- Column compression (14+).
CREATE TABLE s1.compressed (a text COMPRESSION pglz, b text);
ALTER TABLE s1.compressed ALTER COLUMN b SET COMPRESSION pglz;
