package catalog

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

const (
	classPgOpclass  = 2616
	classPgOpfamily = 2753
	classPgAmop     = 2602
	classPgAmproc   = 2603
)

// opMember is one operator or support function of an operator class or family.
type opMember struct {
	owner objKey // the class (internal dependency) or family (loose member)
	item  string // "OPERATOR 1 …" or "FUNCTION 1 (…) …"
}

// loadOpclasses reads operator families and classes. A family's entry creates
// it and adds its loose members (ALTER OPERATOR FAMILY … ADD); a class's entry
// lists the members that belong to it. Members are aliased to their owner so
// that their pg_depend edges (on operators, functions, types) order the owner.
func (l *loader) loadOpclasses() error {
	if l.f.tablesOnly() {
		return nil
	}
	members := map[objKey][]string{}
	add := func(m opMember, memberKey objKey) {
		members[m.owner] = append(members[m.owner], m.item)
		l.alias[memberKey] = m.owner
	}
	err := l.query(`SELECT ao.oid, d.refclassid::oid, d.refobjid, ao.amopstrategy, ao.amopopr::pg_catalog.regoperator::text,
  CASE WHEN ao.amoppurpose = 'o' THEN (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(f.opfname)
     FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace WHERE f.oid = ao.amopsortfamily) END
FROM pg_catalog.pg_amop ao JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = ao.oid
  AND d.refclassid IN ('pg_catalog.pg_opclass'::pg_catalog.regclass, 'pg_catalog.pg_opfamily'::pg_catalog.regclass) AND d.deptype IN ('a', 'i')
WHERE d.refobjid >= 16384 ORDER BY d.refobjid, ao.amopstrategy, ao.amoplefttype, ao.amoprighttype`, func(row pgx.Rows) error {
		var oid, cls, owner uint32
		var strat int16
		var op string
		var sortFam *string
		if err := row.Scan(&oid, &cls, &owner, &strat, &op, &sortFam); err != nil {
			return err
		}
		item := "OPERATOR " + strconv.Itoa(int(strat)) + " " + op
		if sortFam != nil {
			item += " FOR ORDER BY " + *sortFam
		}
		add(opMember{owner: objKey{cls, owner}, item: item}, objKey{classPgAmop, oid})
		return nil
	})
	if err != nil {
		return err
	}
	err = l.query(`SELECT ap.oid, d.refclassid::oid, d.refobjid, ap.amprocnum,
  pg_catalog.format_type(ap.amproclefttype, NULL), pg_catalog.format_type(ap.amprocrighttype, NULL),
  ap.amproc::pg_catalog.regprocedure::text
FROM pg_catalog.pg_amproc ap JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = ap.oid
  AND d.refclassid IN ('pg_catalog.pg_opclass'::pg_catalog.regclass, 'pg_catalog.pg_opfamily'::pg_catalog.regclass) AND d.deptype IN ('a', 'i')
WHERE d.refobjid >= 16384 ORDER BY d.refobjid, ap.amprocnum, ap.amproclefttype, ap.amprocrighttype`, func(row pgx.Rows) error {
		var oid, cls, owner uint32
		var num int16
		var lt, rt, fn string
		if err := row.Scan(&oid, &cls, &owner, &num, &lt, &rt, &fn); err != nil {
			return err
		}
		item := "FUNCTION " + strconv.Itoa(int(num)) + " (" + lt + ", " + rt + ") " + fn
		add(opMember{owner: objKey{cls, owner}, item: item}, objKey{classPgAmproc, oid})
		return nil
	})
	if err != nil {
		return err
	}
	err = l.query(`SELECT f.oid, f.opfnamespace, f.opfname, pg_catalog.pg_get_userbyid(f.opfowner), pg_catalog.quote_ident(a.amname)
FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod
WHERE f.oid >= 16384 ORDER BY f.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner, am string
		if err := row.Scan(&oid, &nsp, &name, &owner, &am); err != nil {
			return err
		}
		k := objKey{classPgOpfamily, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		create := "CREATE OPERATOR FAMILY " + q + " USING " + am + ";\n"
		if m := members[k]; len(m) > 0 {
			create += "ALTER OPERATOR FAMILY " + q + " USING " + am + " ADD\n    " + strings.Join(m, ",\n    ") + ";\n"
		}
		o := &object{key: k, prio: prioOpfamily, sortNS: ns, sortName: name, sortExtra: am}
		o.entry = &Entry{Desc: "OPERATOR FAMILY", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgOpfamily, OID: oid, Create: create,
			Drop: "DROP OPERATOR FAMILY " + q + " USING " + am + ";\n"}
		l.addComment(o, 0, "OPERATOR FAMILY "+q+" USING "+am, "OPERATOR FAMILY "+quoteIdent(name)+" USING "+am, ns, owner)
		l.add(o)
		return nil
	})
	if err != nil {
		return err
	}
	return l.query(`SELECT c.oid, c.opcnamespace, c.opcname, pg_catalog.pg_get_userbyid(c.opcowner), pg_catalog.quote_ident(a.amname),
  c.opcdefault, pg_catalog.format_type(c.opcintype, NULL), NULLIF(c.opckeytype, 0),
  pg_catalog.format_type(NULLIF(c.opckeytype, 0), NULL),
  pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.opfname), f.opfname = c.opcname AND f.opfnamespace = c.opcnamespace
FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
WHERE c.oid >= 16384 ORDER BY c.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner, am, intype, family string
		var def, sameFam bool
		var keyOID *uint32
		var keytype *string
		if err := row.Scan(&oid, &nsp, &name, &owner, &am, &def, &intype, &keyOID, &keytype, &family, &sameFam); err != nil {
			return err
		}
		k := objKey{classPgOpclass, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		create := "CREATE OPERATOR CLASS " + q + "\n    "
		if def {
			create += "DEFAULT "
		}
		create += "FOR TYPE " + intype + " USING " + am
		if !sameFam {
			create += " FAMILY " + family
		}
		items := members[k]
		if keytype != nil {
			items = append(items, "STORAGE "+*keytype)
		}
		if len(items) == 0 {
			// The grammar needs at least one item; STORAGE of the input type is
			// what an absent STORAGE means.
			items = append(items, "STORAGE "+intype)
		}
		create += " AS\n    " + strings.Join(items, ",\n    ") + ";\n"
		o := &object{key: k, prio: prioOpfamily, sortNS: ns, sortName: name, sortExtra: am}
		o.entry = &Entry{Desc: "OPERATOR CLASS", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgOpclass, OID: oid, Create: create,
			Drop: "DROP OPERATOR CLASS " + q + " USING " + am + ";\n"}
		l.addComment(o, 0, "OPERATOR CLASS "+q+" USING "+am, "OPERATOR CLASS "+quoteIdent(name)+" USING "+am, ns, owner)
		l.add(o)
		return nil
	})
}
