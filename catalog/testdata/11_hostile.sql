-- Hostile identifiers everywhere.
CREATE TABLE "select"."from" ("where" int PRIMARY KEY, "Ünï ç" text, "a.b" text, "x""y" int UNIQUE);
CREATE INDEX "idx ""quoted""" ON "select"."from" ("a.b");
CREATE TABLE "we""ird.name"."ta ble" (id int);
CREATE TABLE "ünïcødé"."tåble" ("çol" int);
CREATE TABLE "line
break"."new
line" ("col
x" int);
COMMENT ON TABLE "select"."from" IS E'multi\nline ''comment''';
CREATE VIEW "select"."v w" AS SELECT "where", "x""y" FROM "select"."from";
CREATE SEQUENCE "select"."Seq.Dot";
CREATE TYPE "select"."Enum" AS ENUM ('a b', 'c''d');
CREATE TABLE "select"."user" (id int, "group" text, "order" int DEFAULT 1);
