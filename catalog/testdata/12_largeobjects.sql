-- Large objects with comment and owner.
SELECT lo_create(424242);
COMMENT ON LARGE OBJECT 424242 IS 'a blob';
