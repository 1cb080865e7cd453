-- Publication row filters, column lists, schemas (15+).
CREATE PUBLICATION pub_filtered FOR TABLE s1.ix (a, b) WHERE (a > 0);
CREATE PUBLICATION pub_schema FOR TABLES IN SCHEMA "My Schema";
