-- Text search dictionaries and configurations.
CREATE TEXT SEARCH DICTIONARY s1."My Dict" (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
CREATE TEXT SEARCH CONFIGURATION s1.mycfg (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION s1.mycfg ALTER MAPPING FOR asciiword WITH s1."My Dict", english_stem;
COMMENT ON TEXT SEARCH CONFIGURATION s1.mycfg IS 'cfg';
CREATE INDEX t1_fts ON s1.t1 USING gin (to_tsvector('s1.mycfg'::regconfig, "Mixed Case"));
