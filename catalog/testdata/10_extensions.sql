-- Extensions: members are not dumped; objects may use extension types.
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA s1;
CREATE TABLE s1.uses_ext (c s1.citext);
