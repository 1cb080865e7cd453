-- An event trigger and its comment (restored in the post-ACL pass).
CREATE FUNCTION bulk.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER bulk_ddl ON ddl_command_end EXECUTE FUNCTION bulk.on_ddl();
COMMENT ON EVENT TRIGGER bulk_ddl IS 'does nothing';
