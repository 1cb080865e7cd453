-- Publications: all tables, a table list, options.
CREATE PUBLICATION "pub all" FOR ALL TABLES WITH (publish = 'insert, update');
CREATE PUBLICATION pub_some FOR TABLE s1.t1, "select"."from";
COMMENT ON PUBLICATION pub_some IS 'some';
