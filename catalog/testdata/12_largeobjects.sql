-- Large objects with comment and owner.
SELECT lo_create(424242);
COMMENT ON LARGE OBJECT 424242 IS 'a blob';
SELECT lo_create(2121);
COMMENT ON LARGE OBJECT 2121 IS 'low oid';
COMMENT ON INDEX s1.t1_pkey IS 'index behind a primary key';
