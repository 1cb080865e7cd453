package catalog

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

const (
	classPgPublication          = 6104
	classPgPublicationRel       = 6106
	classPgPublicationNamespace = 6237
)

func (l *loader) loadPublications() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	viaRoot := "false"
	if l.v.AtLeast(13) {
		viaRoot = "p.pubviaroot"
	}
	gencols := "''"
	if l.v.AtLeast(18) {
		gencols = "p.pubgencols::text"
	}
	names := map[uint32]string{}
	owners := map[uint32]string{}
	err := l.query(`SELECT p.oid, p.pubname, pg_catalog.pg_get_userbyid(p.pubowner), p.puballtables, p.pubinsert, p.pubupdate,
  p.pubdelete, p.pubtruncate, `+viaRoot+`, `+gencols+`
FROM pg_catalog.pg_publication p ORDER BY p.oid`, func(row pgx.Rows) error {
		var oid uint32
		var name, owner, gen string
		var all, ins, upd, del, trunc, root bool
		if err := row.Scan(&oid, &name, &owner, &all, &ins, &upd, &del, &trunc, &root, &gen); err != nil {
			return err
		}
		names[oid] = name
		owners[oid] = owner
		q := quoteIdent(name)
		var pub []string
		for _, p := range []struct {
			on   bool
			name string
		}{{ins, "insert"}, {upd, "update"}, {del, "delete"}, {trunc, "truncate"}} {
			if p.on {
				pub = append(pub, p.name)
			}
		}
		create := "CREATE PUBLICATION " + q
		if all {
			create += " FOR ALL TABLES"
		}
		create += " WITH (publish = '" + strings.Join(pub, ", ") + "'"
		if root {
			create += ", publish_via_partition_root = true"
		}
		if gen == "s" {
			create += ", publish_generated_columns = stored"
		}
		create += ");\n"
		o := &object{key: objKey{classPgPublication, oid}, prio: prioPublication, sortName: name}
		o.entry = &Entry{Desc: "PUBLICATION", Section: SectionPostData, Tag: name, Owner: owner,
			CatalogOID: classPgPublication, OID: oid, Create: create, Drop: "DROP PUBLICATION " + q + ";\n"}
		l.addComment(o, 0, "PUBLICATION "+q, "PUBLICATION "+q, "", owner)
		l.add(o)
		return nil
	})
	if err != nil {
		return err
	}
	cols, where := "NULL::text[]", "NULL::text"
	if l.v.AtLeast(15) {
		cols = `(SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = r.prrelid AND a.attnum = ANY (r.prattrs::int2[]))`
		where = "pg_catalog.pg_get_expr(r.prqual, r.prrelid)"
	}
	err = l.query(`SELECT r.oid, r.prpubid, r.prrelid, `+cols+`, `+where+`
FROM pg_catalog.pg_publication_rel r ORDER BY r.oid`, func(row pgx.Rows) error {
		var oid, pub, rel uint32
		var colNames []string
		var qual *string
		if err := row.Scan(&oid, &pub, &rel, &colNames, &qual); err != nil {
			return err
		}
		t := l.rels[rel]
		if t == nil || !t.dump || names[pub] == "" {
			return nil
		}
		create := "ALTER PUBLICATION " + quoteIdent(names[pub]) + " ADD TABLE ONLY " + t.qualified()
		if len(colNames) > 0 {
			var qc []string
			for _, c := range colNames {
				qc = append(qc, quoteIdent(c))
			}
			create += " (" + strings.Join(qc, ", ") + ")"
		}
		if qual != nil {
			create += " WHERE (" + *qual + ")"
		}
		create += ";\n"
		o := &object{key: objKey{classPgPublicationRel, oid}, prio: prioPublicationRel, sortNS: t.ns, sortName: t.name, sortExtra: names[pub]}
		o.entry = &Entry{Desc: "PUBLICATION TABLE", Section: SectionPostData, Tag: names[pub] + " " + t.name, Namespace: t.ns, Owner: owners[pub],
			CatalogOID: classPgPublicationRel, OID: oid, Create: create}
		o.deps = []objKey{{classPgPublication, pub}, {classPgClass, rel}}
		l.add(o)
		return nil
	})
	if err != nil || !l.v.AtLeast(15) {
		return err
	}
	return l.query(`SELECT n.oid, n.pnpubid, n.pnnspid FROM pg_catalog.pg_publication_namespace n ORDER BY n.oid`,
		func(row pgx.Rows) error {
			var oid, pub, nsp uint32
			if err := row.Scan(&oid, &pub, &nsp); err != nil {
				return err
			}
			if names[pub] == "" || !l.nsDumped(nsp) {
				return nil
			}
			ns := l.nsName(nsp)
			o := &object{key: objKey{classPgPublicationNamespace, oid}, prio: prioPublicationTableInSchema, sortNS: ns, sortName: names[pub]}
			o.entry = &Entry{Desc: "PUBLICATION TABLES IN SCHEMA", Section: SectionPostData, Tag: names[pub] + " " + ns, Namespace: ns, Owner: owners[pub],
				CatalogOID: classPgPublicationNamespace, OID: oid,
				Create: "ALTER PUBLICATION " + quoteIdent(names[pub]) + " ADD TABLES IN SCHEMA " + quoteIdent(ns) + ";\n"}
			o.deps = []objKey{{classPgPublication, pub}, {classPgNamespace, nsp}}
			l.add(o)
			return nil
		})
}
