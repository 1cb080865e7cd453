package catalog

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

func (l *loader) loadViewDefs() error {
	err := l.query(`SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid) FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)'`,
		func(row pgx.Rows) error {
			var oid uint32
			var def string
			if err := row.Scan(&oid, &def); err != nil {
				return err
			}
			if r := l.rels[oid]; r != nil {
				r.viewDef = def
			}
			return nil
		})
	if err != nil {
		return err
	}
	return l.query(`SELECT r.oid, r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.rulename = '_RETURN' AND r.oid >= 16384`,
		func(row pgx.Rows) error {
			var oid, rel uint32
			if err := row.Scan(&oid, &rel); err != nil {
				return err
			}
			l.alias[objKey{classPgRewrite, oid}] = objKey{classPgClass, rel}
			if r := l.rels[rel]; r != nil {
				r.returnRule = oid
			}
			return nil
		})
}

func (l *loader) loadTriggers() error {
	cond := "NOT tg.tgisinternal"
	if l.v.AtLeast(13) {
		cond += " AND tg.tgparentid = 0"
	}
	return l.query(`SELECT tg.oid, tg.tgrelid, tg.tgname, pg_catalog.pg_get_triggerdef(tg.oid, false), tg.tgenabled::text
FROM pg_catalog.pg_trigger tg WHERE `+cond+` AND tg.oid >= 16384 ORDER BY tg.oid`, func(row pgx.Rows) error {
		var oid, rel uint32
		var name, def, enabled string
		if err := row.Scan(&oid, &rel, &name, &def, &enabled); err != nil {
			return err
		}
		r := l.rels[rel]
		k := objKey{classPgTrigger, oid}
		if r == nil || !r.dump || l.extMember[k] {
			return nil
		}
		q := r.qualified()
		qn := quoteIdent(name)
		def += ";\n"
		switch enabled {
		case "D":
			def += "\nALTER TABLE " + q + " DISABLE TRIGGER " + qn + ";\n"
		case "R":
			def += "\nALTER TABLE " + q + " ENABLE REPLICA TRIGGER " + qn + ";\n"
		case "A":
			def += "\nALTER TABLE " + q + " ENABLE ALWAYS TRIGGER " + qn + ";\n"
		}
		o := &object{key: k, prio: prioTrigger, sortNS: r.ns, sortName: name, sortExtra: r.name}
		o.entry = &Entry{Desc: "TRIGGER", Section: SectionPostData, Tag: r.name + " " + name, Namespace: r.ns, Owner: r.owner,
			CatalogOID: classPgTrigger, OID: oid, Create: def, Drop: "DROP TRIGGER " + qn + " ON " + q + ";\n"}
		o.deps = []objKey{{classPgClass, rel}}
		l.addComment(o, 0, "TRIGGER "+qn+" ON "+q, "TRIGGER "+qn+" ON "+quoteIdent(r.name), r.ns, r.owner)
		l.add(o)
		return nil
	})
}

func (l *loader) loadRules() error {
	return l.query(`SELECT r.oid, r.ev_class, r.rulename, pg_catalog.pg_get_ruledef(r.oid), r.ev_enabled::text
FROM pg_catalog.pg_rewrite r WHERE r.rulename <> '_RETURN' AND r.oid >= 16384 ORDER BY r.oid`, func(row pgx.Rows) error {
		var oid, rel uint32
		var name, def, enabled string
		if err := row.Scan(&oid, &rel, &name, &def, &enabled); err != nil {
			return err
		}
		r := l.rels[rel]
		k := objKey{classPgRewrite, oid}
		if r == nil || !r.dump || l.extMember[k] {
			return nil
		}
		q := r.qualified()
		qn := quoteIdent(name)
		def += "\n"
		switch enabled {
		case "D":
			def += "\nALTER TABLE " + q + " DISABLE RULE " + qn + ";\n"
		case "R":
			def += "\nALTER TABLE " + q + " ENABLE REPLICA RULE " + qn + ";\n"
		case "A":
			def += "\nALTER TABLE " + q + " ENABLE ALWAYS RULE " + qn + ";\n"
		}
		o := &object{key: k, prio: prioRule, sortNS: r.ns, sortName: name, sortExtra: r.name}
		o.entry = &Entry{Desc: "RULE", Section: SectionPostData, Tag: r.name + " " + name, Namespace: r.ns, Owner: r.owner,
			CatalogOID: classPgRewrite, OID: oid, Create: def, Drop: "DROP RULE " + qn + " ON " + q + ";\n"}
		o.deps = []objKey{{classPgClass, rel}}
		l.addComment(o, 0, "RULE "+qn+" ON "+q, "RULE "+qn+" ON "+quoteIdent(r.name), r.ns, r.owner)
		l.add(o)
		return nil
	})
}

func (l *loader) loadPolicies() error {
	return l.query(`SELECT p.oid, p.polrelid, p.polname, p.polcmd::text, p.polpermissive,
  (SELECT pg_catalog.array_agg(x.r ORDER BY x.r) FROM (SELECT CASE WHEN o = 0 THEN '' ELSE
     pg_catalog.pg_get_userbyid(o)::text END AS r FROM pg_catalog.unnest(p.polroles) o) x)::text[],
  pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_catalog.pg_policy p ORDER BY p.oid`, func(row pgx.Rows) error {
		var oid, rel uint32
		var name, cmd string
		var permissive bool
		var roles []string
		var qual, check *string
		if err := row.Scan(&oid, &rel, &name, &cmd, &permissive, &roles, &qual, &check); err != nil {
			return err
		}
		r := l.rels[rel]
		k := objKey{classPgPolicy, oid}
		if r == nil || !r.dump || l.extMember[k] {
			return nil
		}
		q := r.qualified()
		qn := quoteIdent(name)
		var b strings.Builder
		b.WriteString("CREATE POLICY " + qn + " ON " + q)
		if !permissive {
			b.WriteString(" AS RESTRICTIVE")
		}
		if c := map[string]string{"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}[cmd]; c != "" {
			b.WriteString(" FOR " + c)
		}
		if !(len(roles) == 1 && roles[0] == "") && len(roles) > 0 {
			var rs []string
			for _, r := range roles {
				rs = append(rs, granteeSQL(r))
			}
			b.WriteString(" TO " + strings.Join(rs, ", "))
		}
		if qual != nil {
			b.WriteString(" USING (" + *qual + ")")
		}
		if check != nil {
			b.WriteString(" WITH CHECK (" + *check + ")")
		}
		b.WriteString(";\n")
		o := &object{key: k, prio: prioPolicy, sortNS: r.ns, sortName: name, sortExtra: r.name}
		o.entry = &Entry{Desc: "POLICY", Section: SectionPostData, Tag: r.name + " " + name, Namespace: r.ns, Owner: r.owner,
			CatalogOID: classPgPolicy, OID: oid, Create: b.String(), Drop: "DROP POLICY " + qn + " ON " + q + ";\n"}
		o.deps = []objKey{{classPgClass, rel}}
		l.addComment(o, 0, "POLICY "+qn+" ON "+q, "POLICY "+qn+" ON "+quoteIdent(r.name), r.ns, r.owner)
		l.add(o)
		return nil
	})
}

func (l *loader) loadDefaultACLs() error {
	if l.o.NoACL || l.f.tablesOnly() {
		return nil
	}
	return l.query(`SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole), d.defaclnamespace, d.defaclobjtype::text,
  d.defaclacl::text FROM pg_catalog.pg_default_acl d ORDER BY d.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var role, objtype, acl string
		if err := row.Scan(&oid, &role, &nsp, &objtype, &acl); err != nil {
			return err
		}
		if nsp != 0 && !l.nsDumped(nsp) {
			return nil
		}
		if nsp == 0 && l.f.hasSchemaInclude() {
			return nil
		}
		var what string
		var kind byte
		switch objtype {
		case "r":
			what, kind = "TABLES", 'r'
		case "S":
			what, kind = "SEQUENCES", 's'
		case "f":
			what, kind = "FUNCTIONS", 'f'
		case "T":
			what, kind = "TYPES", 'T'
		case "n":
			what, kind = "SCHEMAS", 'n'
		case "L":
			what, kind = "LARGE OBJECTS", 'L'
		default:
			return nil
		}
		var base []aclItem
		ns := ""
		prefix := "ALTER DEFAULT PRIVILEGES FOR ROLE " + quoteIdent(role) + " "
		if nsp == 0 {
			base = l.defaultACL(kind, role)
		} else {
			ns = l.nsName(nsp)
			prefix += "IN SCHEMA " + quoteIdent(ns) + " "
		}
		all := l.allPrivs(kind)
		if kind == 's' {
			all = "rwU"
		}
		sql := aclCommands(parseACL(acl), base, "", what, "", all, role, prefix)
		if sql == "" {
			return nil
		}
		o := &object{key: objKey{classPgDefaultACL, oid}, prio: prioDefaultACL, sortNS: ns, sortName: objtype}
		o.entry = &Entry{Desc: "DEFAULT ACL", Section: SectionPostData, Tag: "DEFAULT PRIVILEGES FOR " + what, Namespace: ns,
			Owner: role, CatalogOID: classPgDefaultACL, OID: oid, Create: sql}
		if nsp != 0 {
			o.deps = []objKey{{classPgNamespace, nsp}}
		}
		l.add(o)
		return nil
	})
}

func (l *loader) loadLargeObjects() error {
	if l.o.NoBlobs || l.o.SchemaOnly || l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	var oids []uint32
	err := l.query(`SELECT l.oid, pg_catalog.pg_get_userbyid(l.lomowner), l.lomacl::text
FROM pg_catalog.pg_largeobject_metadata l ORDER BY l.oid`, func(row pgx.Rows) error {
		var oid uint32
		var owner string
		var acl *string
		if err := row.Scan(&oid, &owner, &acl); err != nil {
			return err
		}
		s := strconv.FormatUint(uint64(oid), 10)
		o := &object{key: objKey{classPgLargeObject, oid}, prio: prioLargeObject, sortName: s, sortExtra: ""}
		o.entry = &Entry{Desc: "BLOB", Section: SectionPreData, Tag: s, Owner: owner, CatalogOID: classPgLargeObject, OID: oid,
			Create: "SELECT pg_catalog.lo_create('" + s + "');\n", Drop: "SELECT pg_catalog.lo_unlink('" + s + "');\n"}
		l.addComment(o, 0, "LARGE OBJECT "+s, "LARGE OBJECT "+s, "", owner)
		l.addACL(o, "LARGE OBJECT", s, "LARGE OBJECT "+s, "", owner, acl, 'L', "")
		l.add(o)
		oids = append(oids, oid)
		return nil
	})
	if err != nil {
		return err
	}
	if len(oids) > 0 {
		o := &object{prio: prioLargeObjectData, sortName: "BLOBS"}
		o.entry = &Entry{Desc: "BLOBS", Section: SectionData, Tag: "BLOBS", Blobs: oids}
		l.add(o)
	}
	return nil
}

// databaseEntries returns the DATABASE entry and its comment, ACL and properties
// when Options.Create is set.
func (l *loader) databaseEntries() []*Entry {
	if !l.o.Create || l.o.DataOnly {
		return nil
	}
	return l.dbEntries
}

func (l *loader) loadDatabase() error {
	if !l.o.Create || l.o.DataOnly {
		return nil
	}
	prov := "'c'"
	icu := "NULL::text"
	if l.v.AtLeast(17) {
		prov, icu = "d.datlocprovider::text", "d.datlocale"
	} else if l.v.AtLeast(15) {
		prov, icu = "d.datlocprovider::text", "d.daticulocale"
	}
	var oid uint32
	var name, owner, enc, collate, ctype, provider string
	var icuLoc, acl, comment *string
	var connLimit int
	var isTemplate bool
	err := l.queryRow(`SELECT d.oid, d.datname, pg_catalog.pg_get_userbyid(d.datdba), pg_catalog.pg_encoding_to_char(d.encoding),
  d.datcollate, d.datctype, `+prov+`, `+icu+`, d.datacl::text, pg_catalog.shobj_description(d.oid, 'pg_database'),
  d.datconnlimit, d.datistemplate
FROM pg_catalog.pg_database d WHERE d.datname = current_database()`).Scan(&oid, &name, &owner, &enc, &collate, &ctype,
		&provider, &icuLoc, &acl, &comment, &connLimit, &isTemplate)
	if err != nil {
		return err
	}
	q := quoteIdent(name)
	var b strings.Builder
	b.WriteString("CREATE DATABASE " + q + " WITH TEMPLATE = template0 ENCODING = " + quoteLiteral(enc, l.std))
	if l.v.AtLeast(15) {
		switch provider {
		case "i":
			b.WriteString(" LOCALE_PROVIDER = icu")
		case "b":
			b.WriteString(" LOCALE_PROVIDER = builtin")
		default:
			b.WriteString(" LOCALE_PROVIDER = libc")
		}
	}
	if collate == ctype && l.v.AtLeast(13) { // CREATE DATABASE ... LOCALE is 13+
		b.WriteString(" LOCALE = " + quoteLiteral(collate, l.std))
	} else {
		b.WriteString(" LC_COLLATE = " + quoteLiteral(collate, l.std) + " LC_CTYPE = " + quoteLiteral(ctype, l.std))
	}
	if icuLoc != nil && *icuLoc != "" {
		switch provider {
		case "i":
			b.WriteString(" ICU_LOCALE = " + quoteLiteral(*icuLoc, l.std))
		case "b":
			b.WriteString(" BUILTIN_LOCALE = " + quoteLiteral(*icuLoc, l.std))
		}
	}
	b.WriteString(";\n")
	db := &Entry{Desc: "DATABASE", Section: SectionPreData, Tag: name, Owner: owner, CatalogOID: classPgDatabase, OID: oid,
		Create: b.String(), Drop: "DROP DATABASE " + q + ";\n"}
	l.dbEntries = append(l.dbEntries, db)
	if comment != nil && !l.o.NoComments {
		l.dbEntries = append(l.dbEntries, &Entry{Desc: "COMMENT", Section: SectionNone, Tag: "DATABASE " + q, Owner: owner,
			Create: "COMMENT ON DATABASE " + q + " IS " + quoteLiteral(*comment, l.std) + ";\n"})
	}
	if acl != nil && !l.o.NoACL {
		if sql := aclCommands(parseACL(*acl), l.defaultACL('d', owner), "DATABASE", q, "", l.allPrivs('d'), owner, ""); sql != "" {
			l.dbEntries = append(l.dbEntries, &Entry{Desc: "ACL", Section: SectionNone, Tag: "DATABASE " + q, Owner: owner, Create: sql})
		}
	}
	var props strings.Builder
	if connLimit != -1 {
		props.WriteString("ALTER DATABASE " + q + " CONNECTION LIMIT = " + strconv.Itoa(connLimit) + ";\n")
	}
	if isTemplate {
		props.WriteString("ALTER DATABASE " + q + " IS_TEMPLATE = true;\n")
	}
	err = l.query(`SELECT r.rolname, s.setconfig FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
ORDER BY s.setrole`, func(row pgx.Rows) error {
		var role *string
		var cfg []string
		if err := row.Scan(&role, &cfg); err != nil {
			return err
		}
		for _, c := range cfg {
			k, v, _ := strings.Cut(c, "=")
			stmt := "ALTER DATABASE " + q
			if role != nil {
				stmt = "ALTER ROLE " + quoteIdent(*role) + " IN DATABASE " + q
			}
			props.WriteString(stmt + " SET " + quoteIdent(k) + " TO " + quoteLiteral(v, l.std) + ";\n")
		}
		return nil
	})
	if err != nil {
		return err
	}
	if props.Len() > 0 {
		l.dbEntries = append(l.dbEntries, &Entry{Desc: "DATABASE PROPERTIES", Section: SectionPreData, Tag: name, Owner: owner,
			Create: props.String()})
	}
	return nil
}

// applyOptions removes what SchemaOnly / DataOnly leave out.
func (l *loader) applyOptions() {
	if !l.o.SchemaOnly && !l.o.DataOnly {
		return
	}
	data := map[string]bool{"TABLE DATA": true, "SEQUENCE SET": true, "BLOB": true, "BLOBS": true}
	kept := l.objs[:0]
	for _, o := range l.objs {
		if o.entry == nil {
			if l.o.DataOnly {
				continue
			}
			kept = append(kept, o)
			continue
		}
		isData := data[o.entry.Desc] || o.entry.Desc == "MATERIALIZED VIEW DATA"
		if l.o.SchemaOnly && isData {
			continue
		}
		if l.o.DataOnly {
			if !data[o.entry.Desc] {
				continue
			}
			if o.entry.Desc != "BLOB" {
				o.children = nil
			}
		}
		kept = append(kept, o)
	}
	l.objs = kept
	l.byKey = map[objKey]*object{}
	for _, o := range l.objs {
		if o.key != (objKey{}) {
			if _, dup := l.byKey[o.key]; !dup {
				l.byKey[o.key] = o
			}
		}
	}
	if l.o.DataOnly {
		// Like pg_dump --data-only, load referenced tables first so that the
		// rows satisfy foreign keys (loops are broken arbitrarily).
		for _, fk := range l.fks {
			from := l.byKey[objKey{pseudoTableData, fk[0]}]
			if from != nil && l.byKey[objKey{pseudoTableData, fk[1]}] != nil {
				from.deps = append(from.deps, objKey{pseudoTableData, fk[1]})
			}
		}
	}
}
