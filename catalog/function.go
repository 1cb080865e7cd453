package catalog

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

func (l *loader) loadFunctions() error {
	if l.f.tablesOnly() {
		return nil
	}
	sql := `SELECT p.oid, p.pronamespace, p.proname, p.prokind::text, pg_catalog.pg_get_userbyid(p.proowner),
  pg_catalog.pg_get_functiondef(p.oid), pg_catalog.oidvectortypes(p.proargtypes), p.proacl::text,
  pg_catalog.pg_get_function_identity_arguments(p.oid)
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)' AND p.prokind IN ('f', 'p', 'w')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass
    AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
ORDER BY p.oid`
	return l.query(sql, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, kind, owner, def, args, identArgs string
		var acl *string
		if err := row.Scan(&oid, &nsp, &name, &kind, &owner, &def, &args, &acl, &identArgs); err != nil {
			return err
		}
		k := objKey{classPgProc, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		kw := "FUNCTION"
		if kind == "p" {
			kw = "PROCEDURE"
		}
		sig := qualify(ns, name) + "(" + identArgs + ")"
		tag := name + "(" + args + ")"
		def = strings.TrimPrefix(def, "CREATE OR REPLACE ")
		def = "CREATE " + def
		def = strings.TrimRight(def, "\n") + ";\n"
		o := &object{key: k, prio: prioFunc, sortNS: ns, sortName: name, sortExtra: args}
		o.entry = &Entry{Desc: kw, Section: SectionPreData, Tag: tag, Namespace: ns, Owner: owner,
			CatalogOID: classPgProc, OID: oid, Create: def, Drop: "DROP " + kw + " " + sig + ";\n"}
		childTag := kw + " " + quoteIdent(name) + "(" + identArgs + ")"
		l.addComment(o, 0, kw+" "+sig, childTag, ns, owner)
		l.addACL(o, kw, sig, childTag, ns, owner, acl, 'f', "")
		l.add(o)
		return nil
	})
}
