-- Schemas with hostile names, comments, owners and privileges.
CREATE SCHEMA "My Schema";
CREATE SCHEMA "select";
CREATE SCHEMA "we""ird.name";
CREATE SCHEMA "ünïcødé";
CREATE SCHEMA "line
break";
CREATE SCHEMA s1;
COMMENT ON SCHEMA s1 IS 'plain schema';
COMMENT ON SCHEMA "My Schema" IS 'it''s mine';
COMMENT ON SCHEMA public IS 'changed public comment';
GRANT USAGE ON SCHEMA s1 TO PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
