-- Encoding conversions and text search parsers and templates made from
-- built-in functions, with a dictionary and configuration using them.
CREATE SCHEMA conv;
CREATE CONVERSION conv.my_utf8_latin1 FOR 'UTF8' TO 'LATIN1' FROM pg_catalog.utf8_to_iso8859_1;
CREATE DEFAULT CONVERSION conv."My Default" FOR 'LATIN1' TO 'UTF8' FROM pg_catalog.iso8859_1_to_utf8;
COMMENT ON CONVERSION conv.my_utf8_latin1 IS 'a conversion';
ALTER CONVERSION conv."My Default" OWNER TO catalog_r1;
CREATE TEXT SEARCH PARSER conv.prs (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end,
  LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
CREATE TEXT SEARCH PARSER conv.prs_nohl (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end,
  LEXTYPES = prsd_lextype);
COMMENT ON TEXT SEARCH PARSER conv.prs IS 'default parser copy';
CREATE TEXT SEARCH TEMPLATE conv.tmpl (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH TEMPLATE conv.tmpl_noinit (LEXIZE = dsimple_lexize);
COMMENT ON TEXT SEARCH TEMPLATE conv.tmpl IS 'simple copy';
CREATE TEXT SEARCH DICTIONARY conv.dict (TEMPLATE = conv.tmpl, STOPWORDS = english);
CREATE TEXT SEARCH CONFIGURATION conv.cfg (PARSER = conv.prs);
ALTER TEXT SEARCH CONFIGURATION conv.cfg ADD MAPPING FOR word, asciiword WITH conv.dict;
