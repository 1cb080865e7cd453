package catalog

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

type typeAttr struct {
	name, typ string
	collation *string
	num       int16
}

func (l *loader) loadTypes() error {
	// Composite type attributes.
	attrs := map[uint32][]typeAttr{}
	err := l.query(`SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
  CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN
    (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
     FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`, func(r pgx.Rows) error {
		var rel uint32
		var a typeAttr
		if err := r.Scan(&rel, &a.num, &a.name, &a.typ, &a.collation); err != nil {
			return err
		}
		attrs[rel] = append(attrs[rel], a)
		return nil
	})
	if err != nil {
		return err
	}
	mr := "NULL::text"
	if l.v.AtLeast(14) {
		mr = "pg_catalog.format_type(r.rngmultitypid, NULL)"
	}
	sql := `SELECT t.oid, t.typnamespace, t.typname, pg_catalog.pg_get_userbyid(t.typowner), t.typtype::text, t.typacl::text,
  t.typrelid, coalesce(rc.relkind::text, ''), t.typelem, t.typarray,
  CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END, t.typnotnull,
  coalesce(pg_catalog.pg_get_expr(t.typdefaultbin, 0), t.typdefault),
  CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> (SELECT b.typcollation FROM pg_catalog.pg_type b WHERE b.oid = t.typbasetype) THEN
    (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
     FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END,
  (SELECT pg_catalog.array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)::text[],
  pg_catalog.format_type(r.rngsubtype, NULL),
  CASE WHEN r.rngsubopc <> 0 AND NOT (SELECT oc.opcdefault FROM pg_catalog.pg_opclass oc WHERE oc.oid = r.rngsubopc) THEN
    (SELECT pg_catalog.quote_ident(on2.nspname) || '.' || pg_catalog.quote_ident(oc.opcname) FROM pg_catalog.pg_opclass oc
     JOIN pg_catalog.pg_namespace on2 ON on2.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc) END,
  CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> (SELECT b.typcollation FROM pg_catalog.pg_type b WHERE b.oid = r.rngsubtype) THEN
    (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
     FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation) END,
  NULLIF(r.rngcanonical::oid, 0)::regproc::text, NULLIF(r.rngsubdiff::oid, 0)::regproc::text, ` + mr + `,
  coalesce(r.rngmultitypid_oid, 0)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = t.typrelid
LEFT JOIN (SELECT rr.*, ` + multiOid(l.v) + ` AS rngmultitypid_oid FROM pg_catalog.pg_range rr) r ON r.rngtypid = t.oid
WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)'
  AND t.typtype <> 'b'
ORDER BY t.oid`
	return l.query(sql, func(row pgx.Rows) error {
		var oid, nsp, relid, elem, arr, multi uint32
		var name, owner, typ, relkind string
		var acl, base, def, coll, subtype, opc, rcoll, canon, diff, mrName *string
		var notNull bool
		var labels []string
		if err := row.Scan(&oid, &nsp, &name, &owner, &typ, &acl, &relid, &relkind, &elem, &arr, &base, &notNull,
			&def, &coll, &labels, &subtype, &opc, &rcoll, &canon, &diff, &mrName, &multi); err != nil {
			return err
		}
		k := objKey{classPgType, oid}
		if arr != 0 {
			l.alias[objKey{classPgType, arr}] = k
		}
		if multi != 0 {
			l.alias[objKey{classPgType, multi}] = k
		}
		if relid != 0 {
			if relkind == "c" {
				l.alias[objKey{classPgClass, relid}] = k
			} else {
				l.alias[k] = objKey{classPgClass, relid}
				return nil
			}
		}
		if l.extMember[k] || !l.nsDumped(nsp) || l.f.tablesOnly() {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		o := &object{key: k, prio: prioType, sortNS: ns, sortName: name}
		e := &Entry{Desc: "TYPE", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgType, OID: oid, Drop: "DROP TYPE " + q + ";\n"}
		o.entry = e
		var b strings.Builder
		var conComments []*Entry
		switch typ {
		case "e":
			b.WriteString("CREATE TYPE " + q + " AS ENUM (\n")
			for i, lab := range labels {
				if i > 0 {
					b.WriteString(",\n")
				}
				b.WriteString("    " + quoteLiteral(lab, l.std))
			}
			if len(labels) > 0 {
				b.WriteString("\n")
			}
			b.WriteString(");\n")
		case "c":
			if relkind != "c" {
				return nil
			}
			b.WriteString("CREATE TYPE " + q + " AS (\n")
			for i, a := range attrs[relid] {
				if i > 0 {
					b.WriteString(",\n")
				}
				b.WriteString("\t" + quoteIdent(a.name) + " " + a.typ)
				if a.collation != nil {
					b.WriteString(" COLLATE " + *a.collation)
				}
			}
			b.WriteString("\n);\n")
			for _, a := range attrs[relid] {
				if d, ok := l.comments[objKey{classPgClass, relid}][int32(a.num)]; ok {
					o.children = append(o.children, &Entry{Desc: "COMMENT", Section: SectionNone,
						Tag: "COLUMN " + quoteIdent(name) + "." + quoteIdent(a.name), Namespace: ns, Owner: owner,
						Create: "COMMENT ON COLUMN " + q + "." + quoteIdent(a.name) + " IS " + quoteLiteral(d, l.std) + ";\n"})
				}
			}
		case "r":
			if subtype == nil {
				return nil
			}
			b.WriteString("CREATE TYPE " + q + " AS RANGE (\n    subtype = " + *subtype)
			if mrName != nil {
				b.WriteString(",\n    multirange_type_name = " + *mrName)
			}
			if opc != nil {
				b.WriteString(",\n    subtype_opclass = " + *opc)
			}
			if rcoll != nil {
				b.WriteString(",\n    collation = " + *rcoll)
			}
			if canon != nil {
				b.WriteString(",\n    canonical = " + *canon)
			}
			if diff != nil {
				b.WriteString(",\n    subtype_diff = " + *diff)
			}
			b.WriteString("\n);\n")
		case "d":
			e.Desc = "DOMAIN"
			e.Drop = "DROP DOMAIN " + q + ";\n"
			b.WriteString("CREATE DOMAIN " + q + " AS " + deref(base))
			if coll != nil {
				b.WriteString(" COLLATE " + *coll)
			}
			hasNN := false
			for _, c := range l.domainCons[oid] {
				if c.typ == 'n' {
					hasNN = true
					if c.name == name+"_not_null" && c.validated {
						b.WriteString(" NOT NULL")
					}
				}
			}
			if notNull && !hasNN {
				b.WriteString(" NOT NULL")
			}
			if def != nil {
				b.WriteString(" DEFAULT " + *def)
			}
			for _, c := range l.domainCons[oid] {
				ck := objKey{classPgConstraint, c.oid}
				if c.validated {
					if c.typ == 'n' && c.name == name+"_not_null" {
						// printed before DEFAULT
					} else if c.typ == 'n' {
						b.WriteString("\n\tCONSTRAINT " + quoteIdent(c.name) + " NOT NULL")
					} else {
						b.WriteString("\n\tCONSTRAINT " + quoteIdent(c.name) + " " + c.def)
					}
					l.alias[ck] = k
					if d, ok := l.comments[ck][0]; ok {
						conComments = append(conComments, &Entry{Desc: "COMMENT", Section: SectionNone,
							Tag: "CONSTRAINT " + quoteIdent(c.name) + " ON DOMAIN " + quoteIdent(name), Namespace: ns, Owner: owner,
							Create: "COMMENT ON CONSTRAINT " + quoteIdent(c.name) + " ON DOMAIN " + q + " IS " + quoteLiteral(d, l.std) + ";\n"})
					}
					continue
				}
				co := &object{key: ck, prio: prioConstraint, sortNS: ns, sortName: c.name, sortExtra: name}
				co.entry = &Entry{Desc: "CHECK CONSTRAINT", Section: SectionPostData, Tag: name + " " + c.name, Namespace: ns,
					Owner: owner, CatalogOID: classPgConstraint, OID: c.oid,
					Create: "ALTER DOMAIN " + q + "\n    ADD CONSTRAINT " + quoteIdent(c.name) + " " + c.def + ";\n",
					Drop:   "ALTER DOMAIN " + q + " DROP CONSTRAINT " + quoteIdent(c.name) + ";\n"}
				co.deps = []objKey{k}
				l.addComment(co, 0, "CONSTRAINT "+quoteIdent(c.name)+" ON DOMAIN "+q,
					"CONSTRAINT "+quoteIdent(c.name)+" ON DOMAIN "+quoteIdent(name), ns, owner)
				l.add(co)
			}
			b.WriteString(";\n")
		case "p":
			// Users can only make shell types (CREATE TYPE name;); those that
			// became base types are loaded by loadBaseTypes.
			b.WriteString("CREATE TYPE " + q + ";\n")
		default:
			return nil
		}
		e.Create = b.String()
		kw := "TYPE"
		if typ == "d" {
			kw = "DOMAIN"
		}
		l.addComment(o, 0, kw+" "+q, kw+" "+quoteIdent(name), ns, owner)
		o.children = append(o.children, conComments...)
		l.addACL(o, kw, q, kw+" "+quoteIdent(name), ns, owner, acl, 'T', "")
		l.add(o)
		return nil
	})
}

func multiOid(v Version) string {
	if v.AtLeast(14) {
		return "rr.rngmultitypid"
	}
	return "0::oid"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
