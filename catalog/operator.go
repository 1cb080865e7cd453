package catalog

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

const (
	classPgOperator = 2617
	classPgCast     = 2605
)

func (l *loader) loadOperators() error {
	if l.f.tablesOnly() {
		return nil
	}
	opName := func(col string) string {
		return `(SELECT 'OPERATOR(' || pg_catalog.quote_ident(n2.nspname) || '.' || o2.oprname || ')'
     FROM pg_catalog.pg_operator o2 JOIN pg_catalog.pg_namespace n2 ON n2.oid = o2.oprnamespace WHERE o2.oid = o.` + col + `)`
	}
	return l.query(`SELECT o.oid, o.oprnamespace, o.oprname, pg_catalog.pg_get_userbyid(o.oprowner),
  NULLIF(o.oprcode::oid, 0)::regproc::text,
  CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END,
  CASE WHEN o.oprright <> 0 THEN pg_catalog.format_type(o.oprright, NULL) END,
  `+opName("oprcom")+`, `+opName("oprnegate")+`,
  NULLIF(o.oprrest::oid, 0)::regproc::text, NULLIF(o.oprjoin::oid, 0)::regproc::text, o.oprcanhash, o.oprcanmerge
FROM pg_catalog.pg_operator o WHERE o.oid >= 16384 ORDER BY o.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner string
		var code, left, right, com, neg, rest, join *string
		var hashes, merges bool
		if err := row.Scan(&oid, &nsp, &name, &owner, &code, &left, &right, &com, &neg, &rest, &join, &hashes, &merges); err != nil {
			return err
		}
		k := objKey{classPgOperator, oid}
		if l.extMember[k] || !l.nsDumped(nsp) || code == nil {
			return nil
		}
		ns := l.nsName(nsp)
		opts := []string{"FUNCTION = " + *code}
		if left != nil {
			opts = append(opts, "LEFTARG = "+*left)
		}
		if right != nil {
			opts = append(opts, "RIGHTARG = "+*right)
		}
		if com != nil {
			opts = append(opts, "COMMUTATOR = "+*com)
		}
		if neg != nil {
			opts = append(opts, "NEGATOR = "+*neg)
		}
		if merges {
			opts = append(opts, "MERGES")
		}
		if hashes {
			opts = append(opts, "HASHES")
		}
		if rest != nil {
			opts = append(opts, "RESTRICT = "+*rest)
		}
		if join != nil {
			opts = append(opts, "JOIN = "+*join)
		}
		args := orNone(left) + ", " + orNone(right)
		q := quoteIdent(ns) + "." + name
		o := &object{key: k, prio: prioOperator, sortNS: ns, sortName: name, sortExtra: args}
		o.entry = &Entry{Desc: "OPERATOR", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgOperator, OID: oid,
			Create: "CREATE OPERATOR " + q + " (\n    " + strings.Join(opts, ",\n    ") + "\n);\n",
			Drop:   "DROP OPERATOR " + q + "(" + args + ");\n"}
		l.addComment(o, 0, "OPERATOR "+q+" ("+args+")", "OPERATOR "+name+" ("+args+")", ns, owner)
		l.add(o)
		return nil
	})
}

func orNone(s *string) string {
	if s == nil {
		return "NONE"
	}
	return *s
}

func (l *loader) loadCasts() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	return l.query(`SELECT c.oid, pg_catalog.format_type(c.castsource, NULL), pg_catalog.format_type(c.casttarget, NULL),
  NULLIF(c.castfunc, 0)::regprocedure::text, c.castcontext::text, c.castmethod::text,
  ARRAY[st.typnamespace, tt.typnamespace, coalesce(p.pronamespace, 0)]::oid[]
FROM pg_catalog.pg_cast c JOIN pg_catalog.pg_type st ON st.oid = c.castsource
JOIN pg_catalog.pg_type tt ON tt.oid = c.casttarget LEFT JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc
WHERE c.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'i')
ORDER BY c.oid`, func(row pgx.Rows) error {
		var oid uint32
		var src, tgt, ctx, method string
		var fn *string
		var nsps []uint32
		if err := row.Scan(&oid, &src, &tgt, &fn, &ctx, &method, &nsps); err != nil {
			return err
		}
		k := objKey{classPgCast, oid}
		if l.extMember[k] {
			return nil
		}
		// Unlike pg_dump, leave out casts that need objects of excluded schemas.
		for _, n := range nsps {
			if ns := l.ns[n]; ns != nil && !isSystemSchema(ns.name) && !ns.dump {
				return nil
			}
		}
		sig := "(" + src + " AS " + tgt + ")"
		create := "CREATE CAST " + sig
		switch method {
		case "f":
			create += " WITH FUNCTION " + deref(fn)
		case "i":
			create += " WITH INOUT"
		default:
			create += " WITHOUT FUNCTION"
		}
		switch ctx {
		case "a":
			create += " AS ASSIGNMENT"
		case "i":
			create += " AS IMPLICIT"
		}
		create += ";\n"
		o := &object{key: k, prio: prioCast, sortName: src + " AS " + tgt}
		o.entry = &Entry{Desc: "CAST", Section: SectionPreData, Tag: "CAST " + sig, CatalogOID: classPgCast, OID: oid,
			Create: create, Drop: "DROP CAST " + sig + ";\n"}
		l.addComment(o, 0, "CAST "+sig, "CAST "+sig, "", "")
		l.add(o)
		return nil
	})
}

const classPgTransform = 3576

func (l *loader) loadTransforms() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	return l.query(`SELECT t.oid, pg_catalog.format_type(t.trftype, NULL), la.lanname,
  NULLIF(t.trffromsql, 0)::regprocedure::text, NULLIF(t.trftosql, 0)::regprocedure::text
FROM pg_catalog.pg_transform t JOIN pg_catalog.pg_language la ON la.oid = t.trflang
WHERE t.oid >= 16384 ORDER BY t.oid`, func(row pgx.Rows) error {
		var oid uint32
		var typ, lang string
		var from, to *string
		if err := row.Scan(&oid, &typ, &lang, &from, &to); err != nil {
			return err
		}
		k := objKey{classPgTransform, oid}
		if l.extMember[k] {
			return nil
		}
		what := "FOR " + typ + " LANGUAGE " + quoteIdent(lang)
		var parts []string
		if from != nil {
			parts = append(parts, "FROM SQL WITH FUNCTION "+*from)
		}
		if to != nil {
			parts = append(parts, "TO SQL WITH FUNCTION "+*to)
		}
		o := &object{key: k, prio: prioTransform, sortName: typ + " " + lang}
		o.entry = &Entry{Desc: "TRANSFORM", Section: SectionPreData, Tag: "TRANSFORM " + what, CatalogOID: classPgTransform, OID: oid,
			Create: "CREATE TRANSFORM " + what + " (" + strings.Join(parts, ", ") + ");\n",
			Drop:   "DROP TRANSFORM " + what + ";\n"}
		l.addComment(o, 0, "TRANSFORM "+what, "TRANSFORM "+what, "", "")
		l.add(o)
		return nil
	})
}

const classPgAm = 2601

func (l *loader) loadAccessMethods() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	return l.query(`SELECT a.oid, a.amname, a.amtype::text, a.amhandler::regproc::text FROM pg_catalog.pg_am a
WHERE a.oid >= 16384 ORDER BY a.oid`, func(row pgx.Rows) error {
		var oid uint32
		var name, typ, handler string
		if err := row.Scan(&oid, &name, &typ, &handler); err != nil {
			return err
		}
		k := objKey{classPgAm, oid}
		if l.extMember[k] {
			return nil
		}
		kind := "INDEX"
		if typ == "t" {
			kind = "TABLE"
		}
		q := quoteIdent(name)
		o := &object{key: k, prio: prioAccessMethod, sortName: name}
		o.entry = &Entry{Desc: "ACCESS METHOD", Section: SectionPreData, Tag: name, CatalogOID: classPgAm, OID: oid,
			Create: "CREATE ACCESS METHOD " + q + " TYPE " + kind + " HANDLER " + handler + ";\n",
			Drop:   "DROP ACCESS METHOD " + q + ";\n"}
		l.addComment(o, 0, "ACCESS METHOD "+q, "ACCESS METHOD "+q, "", "")
		l.add(o)
		return nil
	})
}
