package catalog

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

const (
	classPgLanguage     = 2612
	classPgSubscription = 6100
)

// loadLanguages reads procedural languages created by users (those of
// extensions, plpgsql included, come with their extension).
func (l *loader) loadLanguages() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	return l.query(`SELECT la.oid, la.lanname, pg_catalog.pg_get_userbyid(la.lanowner), la.lanpltrusted,
  NULLIF(la.lanplcallfoid, 0)::pg_catalog.regproc::text, NULLIF(la.laninline, 0)::pg_catalog.regproc::text,
  NULLIF(la.lanvalidator, 0)::pg_catalog.regproc::text, la.lanacl::text
FROM pg_catalog.pg_language la WHERE la.oid >= 16384 AND la.lanispl ORDER BY la.oid`, func(row pgx.Rows) error {
		var oid uint32
		var name, owner string
		var trusted bool
		var handler, inline, validator, acl *string
		if err := row.Scan(&oid, &name, &owner, &trusted, &handler, &inline, &validator, &acl); err != nil {
			return err
		}
		k := objKey{classPgLanguage, oid}
		if l.extMember[k] {
			return nil
		}
		q := quoteIdent(name)
		var b strings.Builder
		if handler == nil {
			// Without a handler only the name can be given (like pg_dump).
			b.WriteString("CREATE OR REPLACE PROCEDURAL LANGUAGE " + q + ";\n")
		} else {
			b.WriteString("CREATE ")
			if trusted {
				b.WriteString("TRUSTED ")
			}
			b.WriteString("PROCEDURAL LANGUAGE " + q + " HANDLER " + *handler)
			if inline != nil {
				b.WriteString(" INLINE " + *inline)
			}
			if validator != nil {
				b.WriteString(" VALIDATOR " + *validator)
			}
			b.WriteString(";\n")
		}
		o := &object{key: k, prio: prioProcLang, sortName: name}
		o.entry = &Entry{Desc: "PROCEDURAL LANGUAGE", Section: SectionPreData, Tag: name, Owner: owner,
			CatalogOID: classPgLanguage, OID: oid, Create: b.String(), Drop: "DROP PROCEDURAL LANGUAGE " + q + ";\n"}
		l.addComment(o, 0, "LANGUAGE "+q, "LANGUAGE "+q, "", owner)
		l.addACL(o, "LANGUAGE", q, "LANGUAGE "+q, "", owner, acl, 'l', "")
		l.add(o)
		return nil
	})
}

// loadSubscriptions reads the subscriptions of the current database the way
// pg_dump writes them: created with connect = false, so that they are
// disabled and neither reach the publisher nor create a slot on restore (the
// slot name is kept). Only a superuser can read their connection strings;
// others get none, as with pg_dump.
func (l *loader) loadSubscriptions() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	var super bool
	if err := l.queryRow(`SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		return err
	}
	if !super {
		return nil
	}
	cols := []string{"false", "'f'", "'d'", "false", "true", "false", "'any'", "false"}
	if l.v.AtLeast(14) {
		cols[0] = "s.subbinary"
		cols[1] = "CASE WHEN s.substream THEN 't' ELSE 'f' END"
	}
	if l.v.AtLeast(15) {
		cols[2] = "s.subtwophasestate::text"
		cols[3] = "s.subdisableonerr"
	}
	if l.v.AtLeast(16) {
		cols[1] = "s.substream::text"
		cols[4] = "s.subpasswordrequired"
		cols[5] = "s.subrunasowner"
		cols[6] = "s.suborigin"
	}
	if l.v.AtLeast(17) {
		cols[7] = "s.subfailover"
	}
	return l.query(`SELECT s.oid, s.subname, pg_catalog.pg_get_userbyid(s.subowner), s.subconninfo, s.subslotname,
  s.subsynccommit, s.subpublications::text[], `+strings.Join(cols, ", ")+`
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
ORDER BY s.oid`, func(row pgx.Rows) error {
		var oid uint32
		var name, owner, conninfo, synccommit, stream, twophase, origin string
		var slot *string
		var pubs []string
		var binary, disableOnErr, pwRequired, runAsOwner, failover bool
		if err := row.Scan(&oid, &name, &owner, &conninfo, &slot, &synccommit, &pubs, &binary, &stream, &twophase,
			&disableOnErr, &pwRequired, &runAsOwner, &origin, &failover); err != nil {
			return err
		}
		k := objKey{classPgSubscription, oid}
		q := quoteIdent(name)
		qp := make([]string, len(pubs))
		for i, p := range pubs {
			qp[i] = quoteIdent(p)
		}
		opts := []string{"connect = false"}
		if slot != nil {
			opts = append(opts, "slot_name = "+quoteLiteral(*slot, l.std))
		} else {
			opts = append(opts, "slot_name = NONE")
		}
		if binary {
			opts = append(opts, "binary = true")
		}
		switch stream {
		case "t":
			opts = append(opts, "streaming = on")
		case "p":
			opts = append(opts, "streaming = parallel")
		default:
			if l.v.AtLeast(18) {
				// 18 streams in parallel unless told otherwise.
				opts = append(opts, "streaming = off")
			}
		}
		if twophase != "d" {
			opts = append(opts, "two_phase = on")
		}
		if disableOnErr {
			opts = append(opts, "disable_on_error = true")
		}
		if !pwRequired {
			opts = append(opts, "password_required = false")
		}
		if runAsOwner {
			opts = append(opts, "run_as_owner = true")
		}
		if origin != "any" {
			opts = append(opts, "origin = "+quoteLiteral(origin, l.std))
		}
		if failover {
			opts = append(opts, "failover = true")
		}
		if synccommit != "off" {
			opts = append(opts, "synchronous_commit = "+quoteLiteral(synccommit, l.std))
		}
		create := "CREATE SUBSCRIPTION " + q + " CONNECTION " + quoteLiteral(conninfo, l.std) +
			" PUBLICATION " + strings.Join(qp, ", ") + " WITH (" + strings.Join(opts, ", ") + ");\n"
		o := &object{key: k, prio: prioSubscription, sortName: name}
		o.entry = &Entry{Desc: "SUBSCRIPTION", Section: SectionPostData, Tag: name, Owner: owner,
			CatalogOID: classPgSubscription, OID: oid, Create: create, Drop: "DROP SUBSCRIPTION " + q + ";\n"}
		l.addComment(o, 0, "SUBSCRIPTION "+q, "SUBSCRIPTION "+q, "", owner)
		l.add(o)
		return nil
	})
}

const (
	classPgConversion = 2607
	classPgTSParser   = 3601
	classPgTSTemplate = 3764
)

// loadConversions reads encoding conversions.
func (l *loader) loadConversions() error {
	if l.f.tablesOnly() {
		return nil
	}
	return l.query(`SELECT c.oid, c.connamespace, c.conname, pg_catalog.pg_get_userbyid(c.conowner),
  pg_catalog.pg_encoding_to_char(c.conforencoding), pg_catalog.pg_encoding_to_char(c.contoencoding),
  c.conproc::pg_catalog.regproc::text, c.condefault
FROM pg_catalog.pg_conversion c WHERE c.oid >= 16384 ORDER BY c.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner, from, to, proc string
		var def bool
		if err := row.Scan(&oid, &nsp, &name, &owner, &from, &to, &proc, &def); err != nil {
			return err
		}
		k := objKey{classPgConversion, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		create := "CREATE "
		if def {
			create += "DEFAULT "
		}
		create += "CONVERSION " + q + " FOR " + quoteLiteral(from, l.std) + " TO " + quoteLiteral(to, l.std) + " FROM " + proc + ";\n"
		o := &object{key: k, prio: prioConversion, sortNS: ns, sortName: name}
		o.entry = &Entry{Desc: "CONVERSION", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgConversion, OID: oid, Create: create, Drop: "DROP CONVERSION " + q + ";\n"}
		l.addComment(o, 0, "CONVERSION "+q, "CONVERSION "+quoteIdent(name), ns, owner)
		l.add(o)
		return nil
	})
}

// loadTSParsersTemplates reads text search parsers and templates (they have
// no owner).
func (l *loader) loadTSParsersTemplates() error {
	if l.f.tablesOnly() {
		return nil
	}
	fn := func(col string) string { return "NULLIF(" + col + "::oid, 0)::pg_catalog.regproc::text" }
	err := l.query(`SELECT p.oid, p.prsnamespace, p.prsname, `+fn("p.prsstart")+`, `+fn("p.prstoken")+`, `+fn("p.prsend")+`,
  `+fn("p.prslextype")+`, `+fn("p.prsheadline")+`
FROM pg_catalog.pg_ts_parser p WHERE p.oid >= 16384 ORDER BY p.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name string
		var start, token, end, lextype, headline *string
		if err := row.Scan(&oid, &nsp, &name, &start, &token, &end, &lextype, &headline); err != nil {
			return err
		}
		k := objKey{classPgTSParser, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		parts := []string{"START = " + deref(start), "GETTOKEN = " + deref(token), "END = " + deref(end), "LEXTYPES = " + deref(lextype)}
		if headline != nil {
			parts = append(parts, "HEADLINE = "+*headline)
		}
		o := &object{key: k, prio: prioTSParser, sortNS: ns, sortName: name}
		o.entry = &Entry{Desc: "TEXT SEARCH PARSER", Section: SectionPreData, Tag: name, Namespace: ns,
			CatalogOID: classPgTSParser, OID: oid,
			Create: "CREATE TEXT SEARCH PARSER " + q + " (\n    " + strings.Join(parts, ",\n    ") + " );\n",
			Drop:   "DROP TEXT SEARCH PARSER " + q + ";\n"}
		l.addComment(o, 0, "TEXT SEARCH PARSER "+q, "TEXT SEARCH PARSER "+quoteIdent(name), ns, "")
		l.add(o)
		return nil
	})
	if err != nil {
		return err
	}
	return l.query(`SELECT t.oid, t.tmplnamespace, t.tmplname, `+fn("t.tmplinit")+`, `+fn("t.tmpllexize")+`
FROM pg_catalog.pg_ts_template t WHERE t.oid >= 16384 ORDER BY t.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name string
		var init, lexize *string
		if err := row.Scan(&oid, &nsp, &name, &init, &lexize); err != nil {
			return err
		}
		k := objKey{classPgTSTemplate, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		var parts []string
		if init != nil {
			parts = append(parts, "INIT = "+*init)
		}
		parts = append(parts, "LEXIZE = "+deref(lexize))
		o := &object{key: k, prio: prioTSTemplate, sortNS: ns, sortName: name}
		o.entry = &Entry{Desc: "TEXT SEARCH TEMPLATE", Section: SectionPreData, Tag: name, Namespace: ns,
			CatalogOID: classPgTSTemplate, OID: oid,
			Create: "CREATE TEXT SEARCH TEMPLATE " + q + " (\n    " + strings.Join(parts, ",\n    ") + " );\n",
			Drop:   "DROP TEXT SEARCH TEMPLATE " + q + ";\n"}
		l.addComment(o, 0, "TEXT SEARCH TEMPLATE "+q, "TEXT SEARCH TEMPLATE "+quoteIdent(name), ns, "")
		l.add(o)
		return nil
	})
}
