package catalog

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

func (l *loader) loadAggregates() error {
	if l.f.tablesOnly() {
		return nil
	}
	sortop := `(SELECT 'OPERATOR(' || pg_catalog.quote_ident(on2.nspname) || '.' || o.oprname || ')'
     FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace on2 ON on2.oid = o.oprnamespace WHERE o.oid = a.aggsortop)`
	sql := `SELECT p.oid, p.pronamespace, p.proname, pg_catalog.pg_get_userbyid(p.proowner), p.proacl::text,
  pg_catalog.oidvectortypes(p.proargtypes), pg_catalog.pg_get_function_identity_arguments(p.oid),
  pg_catalog.pg_get_function_arguments(p.oid), a.aggkind::text,
  NULLIF(a.aggtransfn::oid, 0)::regproc::text, pg_catalog.format_type(a.aggtranstype, NULL), a.aggtransspace,
  NULLIF(a.aggfinalfn::oid, 0)::regproc::text, a.aggfinalextra, a.aggfinalmodify::text,
  NULLIF(a.aggcombinefn::oid, 0)::regproc::text, NULLIF(a.aggserialfn::oid, 0)::regproc::text,
  NULLIF(a.aggdeserialfn::oid, 0)::regproc::text, a.agginitval,
  NULLIF(a.aggmtransfn::oid, 0)::regproc::text, NULLIF(a.aggminvtransfn::oid, 0)::regproc::text,
  CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END, a.aggmtransspace,
  NULLIF(a.aggmfinalfn::oid, 0)::regproc::text, a.aggmfinalextra, a.aggmfinalmodify::text, a.aggminitval,
  ` + sortop + `, p.proparallel::text
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)'
ORDER BY p.oid`
	return l.query(sql, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner, args, identArgs, fullArgs, kind, stype, fmodify, mfmodify, parallel string
		var acl, sfunc, ffunc, cfunc, serfunc, deserfunc, initval, msfunc, minvfunc, mstype, mffunc, minitval, sortop *string
		var sspace, msspace int32
		var fextra, mfextra bool
		if err := row.Scan(&oid, &nsp, &name, &owner, &acl, &args, &identArgs, &fullArgs, &kind, &sfunc, &stype, &sspace,
			&ffunc, &fextra, &fmodify, &cfunc, &serfunc, &deserfunc, &initval, &msfunc, &minvfunc, &mstype, &msspace,
			&mffunc, &mfextra, &mfmodify, &minitval, &sortop, &parallel); err != nil {
			return err
		}
		k := objKey{classPgProc, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		sig := qualify(ns, name) + "(" + identArgs + ")"
		if identArgs == "" {
			sig = qualify(ns, name) + "(*)"
		}
		var opts []string
		add := func(k string, v *string) {
			if v != nil {
				opts = append(opts, k+" = "+*v)
			}
		}
		add("SFUNC", sfunc)
		opts = append(opts, "STYPE = "+stype)
		if sspace != 0 {
			opts = append(opts, "SSPACE = "+strconv.Itoa(int(sspace)))
		}
		if initval != nil {
			opts = append(opts, "INITCOND = "+quoteLiteral(*initval, l.std))
		}
		add("FINALFUNC", ffunc)
		if fextra {
			opts = append(opts, "FINALFUNC_EXTRA")
		}
		defModify := "r"
		if kind != "n" {
			defModify = "w"
		}
		modify := map[string]string{"r": "READ_ONLY", "s": "SHAREABLE", "w": "READ_WRITE"}
		if ffunc != nil && fmodify != defModify {
			opts = append(opts, "FINALFUNC_MODIFY = "+modify[fmodify])
		}
		add("COMBINEFUNC", cfunc)
		add("SERIALFUNC", serfunc)
		add("DESERIALFUNC", deserfunc)
		add("MSFUNC", msfunc)
		add("MINVFUNC", minvfunc)
		add("MSTYPE", mstype)
		if msspace != 0 {
			opts = append(opts, "MSSPACE = "+strconv.Itoa(int(msspace)))
		}
		add("MFINALFUNC", mffunc)
		if mfextra {
			opts = append(opts, "MFINALFUNC_EXTRA")
		}
		if mffunc != nil && mfmodify != defModify {
			opts = append(opts, "MFINALFUNC_MODIFY = "+modify[mfmodify])
		}
		if minitval != nil {
			opts = append(opts, "MINITCOND = "+quoteLiteral(*minitval, l.std))
		}
		add("SORTOP", sortop)
		switch parallel {
		case "s":
			opts = append(opts, "PARALLEL = safe")
		case "r":
			opts = append(opts, "PARALLEL = restricted")
		}
		if kind == "h" {
			opts = append(opts, "HYPOTHETICAL")
		}
		head := fullArgs
		if head == "" {
			head = "*"
		}
		create := "CREATE AGGREGATE " + qualify(ns, name) + "(" + head + ") (\n    " + strings.Join(opts, ",\n    ") + "\n);\n"
		tag := name + "(" + args + ")"
		if args == "" {
			tag = name + "(*)"
		}
		o := &object{key: k, prio: prioAgg, sortNS: ns, sortName: name, sortExtra: args}
		o.entry = &Entry{Desc: "AGGREGATE", Section: SectionPreData, Tag: tag, Namespace: ns, Owner: owner,
			CatalogOID: classPgProc, OID: oid, Create: create, Drop: "DROP AGGREGATE " + sig + ";\n"}
		childTag := "AGGREGATE " + quoteIdent(name) + "(" + identArgs + ")"
		l.addComment(o, 0, "AGGREGATE "+sig, childTag, ns, owner)
		l.addACL(o, "FUNCTION", sig, "FUNCTION "+quoteIdent(name)+"("+identArgs+")", ns, owner, acl, 'f', "")
		l.add(o)
		return nil
	})
}

func (l *loader) loadCollations() error {
	if l.f.tablesOnly() {
		return nil
	}
	det := "true"
	if l.v.AtLeast(12) {
		det = "c.collisdeterministic"
	}
	icu := "c.collcollate"
	if l.v.AtLeast(17) {
		icu = "c.colllocale"
	} else if l.v.AtLeast(15) {
		icu = "c.colliculocale"
	}
	rules := "NULL::text"
	if l.v.AtLeast(16) {
		rules = "c.collicurules"
	}
	sql := `SELECT c.oid, c.collnamespace, c.collname, pg_catalog.pg_get_userbyid(c.collowner), c.collprovider::text,
  ` + det + `, c.collcollate, c.collctype, ` + icu + `, ` + rules + `
FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
WHERE c.oid >= 16384 AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)'
ORDER BY c.oid`
	return l.query(sql, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner, provider string
		var det bool
		var collate, ctype, locale, rules *string
		if err := row.Scan(&oid, &nsp, &name, &owner, &provider, &det, &collate, &ctype, &locale, &rules); err != nil {
			return err
		}
		k := objKey{classPgCollation, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		var opts []string
		switch provider {
		case "i":
			opts = append(opts, "provider = icu", "locale = "+quoteLiteral(deref(locale), l.std))
			if rules != nil {
				opts = append(opts, "rules = "+quoteLiteral(*rules, l.std))
			}
		case "b":
			opts = append(opts, "provider = builtin", "locale = "+quoteLiteral(deref(locale), l.std))
		case "d":
			opts = append(opts, "provider = default")
		default:
			opts = append(opts, "provider = libc")
			if deref(collate) == deref(ctype) {
				opts = append(opts, "locale = "+quoteLiteral(deref(collate), l.std))
			} else {
				opts = append(opts, "lc_collate = "+quoteLiteral(deref(collate), l.std), "lc_ctype = "+quoteLiteral(deref(ctype), l.std))
			}
		}
		if !det {
			opts = append(opts, "deterministic = false")
		}
		o := &object{key: k, prio: prioCollation, sortNS: ns, sortName: name}
		o.entry = &Entry{Desc: "COLLATION", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgCollation, OID: oid, Create: "CREATE COLLATION " + q + " (" + strings.Join(opts, ", ") + ");\n",
			Drop: "DROP COLLATION " + q + ";\n"}
		l.addComment(o, 0, "COLLATION "+q, "COLLATION "+quoteIdent(name), ns, owner)
		l.add(o)
		return nil
	})
}

const classPgStatisticExt = 3381

func (l *loader) loadStatistics() error {
	target := "s.stxstattarget::int"
	if !l.v.AtLeast(13) {
		target = "-1"
	} else if l.v.AtLeast(17) {
		target = "coalesce(s.stxstattarget::int, -1)"
	}
	return l.query(`SELECT s.oid, s.stxrelid, s.stxnamespace, s.stxname, pg_catalog.pg_get_userbyid(s.stxowner),
  pg_catalog.pg_get_statisticsobjdef(s.oid), `+target+`
FROM pg_catalog.pg_statistic_ext s WHERE s.oid >= 16384 ORDER BY s.oid`, func(row pgx.Rows) error {
		var oid, rel, nsp uint32
		var name, owner, def string
		var target int
		if err := row.Scan(&oid, &rel, &nsp, &name, &owner, &def, &target); err != nil {
			return err
		}
		r := l.rels[rel]
		k := objKey{classPgStatisticExt, oid}
		if r == nil || !r.dump || l.extMember[k] {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		create := def + ";\n"
		if target >= 0 {
			create += "ALTER STATISTICS " + q + " SET STATISTICS " + strconv.Itoa(target) + ";\n"
		}
		o := &object{key: k, prio: prioStatsExt, sortNS: ns, sortName: name}
		o.entry = &Entry{Desc: "STATISTICS", Section: SectionPostData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgStatisticExt, OID: oid, Create: create, Drop: "DROP STATISTICS " + q + ";\n"}
		o.deps = []objKey{{classPgClass, rel}}
		l.addComment(o, 0, "STATISTICS "+q, "STATISTICS "+quoteIdent(name), ns, owner)
		l.add(o)
		return nil
	})
}
