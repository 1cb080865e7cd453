package catalog

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

const pseudoShellType uint32 = 6

// baseType is a user-defined base type with its I/O functions.
type baseType struct {
	oid     uint32
	support []uint32
}

// loadBaseTypes reads user-defined base types. Like pg_dump, each is created
// first as a shell type (SHELL TYPE), then its I/O functions, then the full
// definition (TYPE).
func (l *loader) loadBaseTypes() error {
	if l.f.tablesOnly() {
		return nil
	}
	subscript := "0::oid"
	if l.v.AtLeast(14) {
		subscript = "t.typsubscript::oid"
	}
	fn := func(col string) string { return "NULLIF(" + col + "::oid, 0)::regproc::text" }
	sql := `SELECT t.oid, t.typnamespace, t.typname, pg_catalog.pg_get_userbyid(t.typowner), t.typacl::text, t.typarray,
  ` + fn("t.typinput") + `, ` + fn("t.typoutput") + `, ` + fn("t.typreceive") + `, ` + fn("t.typsend") + `,
  ` + fn("t.typmodin") + `, ` + fn("t.typmodout") + `, ` + fn("t.typanalyze") + `, ` + fn(subscript) + `,
  ARRAY[t.typinput::oid, t.typoutput::oid, t.typreceive::oid, t.typsend::oid, t.typmodin::oid, t.typmodout::oid,
    t.typanalyze::oid, ` + subscript + `]::oid[],
  t.typlen, t.typbyval, t.typalign::text, t.typstorage::text, t.typcategory::text, t.typispreferred, t.typdelim::text,
  CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END, t.typcollation <> 0, t.typdefault
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'b' AND t.oid >= 16384 AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
ORDER BY t.oid`
	return l.query(sql, func(row pgx.Rows) error {
		var oid, nsp, arr uint32
		var name, owner, align, storage, category, delim string
		var acl, in, out, recv, send, modin, modout, analyze, subs, elem, def *string
		var support []uint32
		var length int16
		var byval, pref, collatable bool
		if err := row.Scan(&oid, &nsp, &name, &owner, &acl, &arr, &in, &out, &recv, &send, &modin, &modout, &analyze, &subs,
			&support, &length, &byval, &align, &storage, &category, &pref, &delim, &elem, &collatable, &def); err != nil {
			return err
		}
		k := objKey{classPgType, oid}
		if arr != 0 {
			l.alias[objKey{classPgType, arr}] = k
		}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		shell := &object{key: objKey{pseudoShellType, oid}, prio: prioType, sortNS: ns, sortName: name}
		shell.entry = &Entry{Desc: "SHELL TYPE", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgType, OID: oid, Create: "CREATE TYPE " + q + ";\n"}
		l.add(shell)

		var opts []string
		if length == -1 {
			opts = append(opts, "INTERNALLENGTH = variable")
		} else {
			opts = append(opts, "INTERNALLENGTH = "+strconv.Itoa(int(length)))
		}
		add := func(k string, v *string) {
			if v != nil {
				opts = append(opts, k+" = "+*v)
			}
		}
		add("INPUT", in)
		add("OUTPUT", out)
		add("RECEIVE", recv)
		add("SEND", send)
		add("TYPMOD_IN", modin)
		add("TYPMOD_OUT", modout)
		add("ANALYZE", analyze)
		add("SUBSCRIPT", subs)
		if def != nil {
			opts = append(opts, "DEFAULT = "+quoteLiteral(*def, l.std))
		}
		if byval {
			opts = append(opts, "PASSEDBYVALUE")
		}
		opts = append(opts, "ALIGNMENT = "+map[string]string{"c": "char", "s": "int2", "i": "int4", "d": "double"}[align])
		opts = append(opts, "STORAGE = "+map[string]string{"p": "plain", "e": "external", "x": "extended", "m": "main"}[storage])
		if category != "U" {
			opts = append(opts, "CATEGORY = "+quoteLiteral(category, l.std))
		}
		if pref {
			opts = append(opts, "PREFERRED = true")
		}
		if delim != "," {
			opts = append(opts, "DELIMITER = "+quoteLiteral(delim, l.std))
		}
		if elem != nil {
			opts = append(opts, "ELEMENT = "+*elem)
		}
		if collatable {
			opts = append(opts, "COLLATABLE = true")
		}
		o := &object{key: k, prio: prioType, sortNS: ns, sortName: name, sortExtra: "~"}
		o.entry = &Entry{Desc: "TYPE", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgType, OID: oid, Create: "CREATE TYPE " + q + " (\n    " + strings.Join(opts, ",\n    ") + "\n);\n",
			Drop: "DROP TYPE " + q + " CASCADE;\n"}
		o.deps = []objKey{shell.key}
		l.addComment(o, 0, "TYPE "+q, "TYPE "+quoteIdent(name), ns, owner)
		l.addACL(o, "TYPE", q, "TYPE "+quoteIdent(name), ns, owner, acl, 'T', "")
		l.add(o)
		bt := baseType{oid: oid}
		for _, f := range support {
			if f != 0 {
				bt.support = append(bt.support, f)
			}
		}
		l.baseTypes = append(l.baseTypes, bt)
		return nil
	})
}

// rewireShellTypes makes the I/O functions of base types depend on the shell
// type instead of the type, which depends on them.
func (l *loader) rewireShellTypes() {
	for _, bt := range l.baseTypes {
		typ := l.byKey[objKey{classPgType, bt.oid}]
		if typ == nil {
			continue
		}
		for _, f := range bt.support {
			fo := l.byKey[objKey{classPgProc, f}]
			if fo == nil {
				continue
			}
			for i, d := range fo.deps {
				if l.resolve(d) == typ {
					fo.deps[i] = objKey{pseudoShellType, bt.oid}
				}
			}
		}
	}
}
