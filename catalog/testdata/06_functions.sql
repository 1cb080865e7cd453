-- Functions and procedures: sql, plpgsql, SET clauses, SECURITY DEFINER,
-- volatility, parallel, leakproof, strict, defaults, OUT args, overloading.
CREATE FUNCTION s1.add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT a + b';
CREATE FUNCTION s1.add(a text, b text) RETURNS text LANGUAGE sql AS $$ SELECT a || b $$;
CREATE FUNCTION s1.secdef() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  SET work_mem = '64MB' AS $$ BEGIN RAISE NOTICE 'x'; END $$;
CREATE FUNCTION s1.leak(int, int) RETURNS bool LANGUAGE internal LEAKPROOF IMMUTABLE STRICT AS 'int4eq';
CREATE FUNCTION s1.outs(IN x int, OUT y int, OUT z text) LANGUAGE sql AS $$ SELECT x, 'z' $$;
CREATE FUNCTION s1.setof() RETURNS SETOF s1.t1 LANGUAGE sql STABLE ROWS 10 COST 5 AS $$ SELECT * FROM s1.t1 $$;
CREATE FUNCTION s1.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE s1.proc(INOUT a int) LANGUAGE plpgsql AS $$ BEGIN a := a + 1; END $$;
CREATE FUNCTION "My Schema"."Func ""q"""() RETURNS int LANGUAGE sql AS 'SELECT 1';
COMMENT ON FUNCTION s1.add(int, int) IS 'adds';
REVOKE EXECUTE ON FUNCTION s1.secdef() FROM PUBLIC;
