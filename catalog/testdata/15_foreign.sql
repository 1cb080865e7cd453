-- Foreign data: wrapper (from an extension), server, user mapping, foreign table;
-- typed tables; event triggers.
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER "Remote Srv" FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'localhost', dbname 'x''y', port '5432');
COMMENT ON SERVER "Remote Srv" IS 'remote';
CREATE USER MAPPING FOR PUBLIC SERVER "Remote Srv" OPTIONS (user 'u');
CREATE USER MAPPING FOR catalog_r1 SERVER "Remote Srv";
CREATE FOREIGN TABLE s1.ft (a int OPTIONS (column_name 'A'), b text NOT NULL) SERVER "Remote Srv" OPTIONS (table_name 'remote t');
COMMENT ON FOREIGN TABLE s1.ft IS 'foreign';
CREATE TYPE s1.rowtype AS (a int, b text);
CREATE TABLE s1.typed_t OF s1.rowtype (a WITH OPTIONS NOT NULL DEFAULT 3, PRIMARY KEY (a));
CREATE FUNCTION s1.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER "evt trg" ON ddl_command_start WHEN TAG IN ('CREATE TABLE', 'DROP TABLE') EXECUTE FUNCTION s1.evt();
ALTER EVENT TRIGGER "evt trg" DISABLE;
