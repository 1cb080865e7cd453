-- Types: enum, composite, domain (constraints, defaults, collation), range.
CREATE TYPE s1.mood AS ENUM ('sad', 'ok', 'it''s "happy"');
CREATE TYPE s1.empty_enum AS ENUM ();
CREATE TYPE s1.pair AS (a int, b text COLLATE "C");
COMMENT ON COLUMN s1.pair.b IS 'second';
CREATE DOMAIN s1.posint AS int DEFAULT 1 NOT NULL CONSTRAINT posint_check CHECK (VALUE > 0) CHECK (VALUE < 1000000);
CREATE DOMAIN s1.ctext AS text COLLATE "C";
CREATE DOMAIN s1.dom_over_dom AS s1.posint CHECK (VALUE <> 13);
ALTER DOMAIN s1.ctext ADD CONSTRAINT ctext_nonempty CHECK (VALUE <> '') NOT VALID;
CREATE TYPE s1.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE s1.textrange AS RANGE (subtype = text, collation = "C");
CREATE TABLE s1.typed (m s1.mood, p s1.pair, d s1.posint, r s1.floatrange, dd s1.dom_over_dom);
COMMENT ON TYPE s1.mood IS 'feelings';
COMMENT ON DOMAIN s1.posint IS 'positive';
COMMENT ON CONSTRAINT posint_check ON DOMAIN s1.posint IS 'dom check';
-- A shell type that was never completed (CREATE TYPE name;), with a comment.
CREATE TYPE s1.shell_only;
COMMENT ON TYPE s1.shell_only IS 'only a shell';
