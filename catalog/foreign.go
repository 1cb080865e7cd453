package catalog

import (
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

const (
	classPgForeignDataWrapper = 2328
	classPgForeignServer      = 1417
	classPgUserMapping        = 1418
	classPgEventTrigger       = 3466
)

// fdwOptions renders a generic options array ("k=v") as OPTIONS (k 'v', …).
func fdwOptions(opts []string, std bool) string {
	if len(opts) == 0 {
		return ""
	}
	return "OPTIONS (\n    " + strings.Join(optionParts(opts, std), ",\n    ") + "\n)"
}

// optionParts renders each "k=v" option as "k 'v'".
func optionParts(opts []string, std bool) []string {
	var parts []string
	opts = append([]string(nil), opts...)
	sort.Strings(opts)
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		parts = append(parts, quoteIdent(k)+" "+quoteLiteral(v, std))
	}
	return parts
}

// optionList renders options as "k 'v', k2 'v2'".
func optionList(opts []string, std bool) string {
	return strings.Join(optionParts(opts, std), ", ")
}

func (l *loader) loadForeign() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	err := l.query(`SELECT w.oid, w.fdwname, pg_catalog.pg_get_userbyid(w.fdwowner),
  NULLIF(w.fdwhandler::oid, 0)::regproc::text, NULLIF(w.fdwvalidator::oid, 0)::regproc::text, w.fdwoptions::text[], w.fdwacl::text
FROM pg_catalog.pg_foreign_data_wrapper w ORDER BY w.oid`, func(row pgx.Rows) error {
		var oid uint32
		var name, owner string
		var handler, validator, acl *string
		var opts []string
		if err := row.Scan(&oid, &name, &owner, &handler, &validator, &opts, &acl); err != nil {
			return err
		}
		k := objKey{classPgForeignDataWrapper, oid}
		if l.extMember[k] || oid < 16384 {
			return nil
		}
		q := quoteIdent(name)
		var b strings.Builder
		b.WriteString("CREATE FOREIGN DATA WRAPPER " + q)
		if handler != nil {
			b.WriteString(" HANDLER " + *handler)
		}
		if validator != nil {
			b.WriteString(" VALIDATOR " + *validator)
		}
		if o := fdwOptions(opts, l.std); o != "" {
			b.WriteString(" " + o)
		}
		b.WriteString(";\n")
		o := &object{key: k, prio: prioFDW, sortName: name}
		o.entry = &Entry{Desc: "FOREIGN DATA WRAPPER", Section: SectionPreData, Tag: name, Owner: owner,
			CatalogOID: classPgForeignDataWrapper, OID: oid, Create: b.String(), Drop: "DROP FOREIGN DATA WRAPPER " + q + ";\n"}
		l.addComment(o, 0, "FOREIGN DATA WRAPPER "+q, "FOREIGN DATA WRAPPER "+q, "", owner)
		l.addACL(o, "FOREIGN DATA WRAPPER", q, "FOREIGN DATA WRAPPER "+q, "", owner, acl, 'F', "")
		l.add(o)
		return nil
	})
	if err != nil {
		return err
	}
	err = l.query(`SELECT s.oid, s.srvname, pg_catalog.pg_get_userbyid(s.srvowner), w.fdwname, s.srvtype, s.srvversion,
  s.srvoptions::text[], s.srvacl::text
FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw ORDER BY s.oid`,
		func(row pgx.Rows) error {
			var oid uint32
			var name, owner, fdw string
			var typ, version, acl *string
			var opts []string
			if err := row.Scan(&oid, &name, &owner, &fdw, &typ, &version, &opts, &acl); err != nil {
				return err
			}
			k := objKey{classPgForeignServer, oid}
			if l.extMember[k] {
				return nil
			}
			q := quoteIdent(name)
			var b strings.Builder
			b.WriteString("CREATE SERVER " + q)
			if typ != nil {
				b.WriteString(" TYPE " + quoteLiteral(*typ, l.std))
			}
			if version != nil {
				b.WriteString(" VERSION " + quoteLiteral(*version, l.std))
			}
			b.WriteString(" FOREIGN DATA WRAPPER " + quoteIdent(fdw))
			if o := fdwOptions(opts, l.std); o != "" {
				b.WriteString(" " + o)
			}
			b.WriteString(";\n")
			o := &object{key: k, prio: prioForeignServer, sortName: name}
			o.entry = &Entry{Desc: "SERVER", Section: SectionPreData, Tag: name, Owner: owner,
				CatalogOID: classPgForeignServer, OID: oid, Create: b.String(), Drop: "DROP SERVER " + q + ";\n"}
			l.addComment(o, 0, "SERVER "+q, "SERVER "+q, "", owner)
			l.addACL(o, "FOREIGN SERVER", q, "FOREIGN SERVER "+q, "", owner, acl, 'S', "")
			l.add(o)
			return nil
		})
	if err != nil {
		return err
	}
	return l.query(`SELECT u.umid, u.srvid, u.srvname, u.usename, u.umoptions::text[],
  pg_catalog.pg_get_userbyid(s.srvowner)
FROM pg_catalog.pg_user_mappings u JOIN pg_catalog.pg_foreign_server s ON s.oid = u.srvid ORDER BY u.umid`,
		func(row pgx.Rows) error {
			var oid, srv uint32
			var srvName, user, owner string
			var opts []string
			if err := row.Scan(&oid, &srv, &srvName, &user, &opts, &owner); err != nil {
				return err
			}
			if l.byKey[objKey{classPgForeignServer, srv}] == nil {
				return nil
			}
			who := quoteIdent(user)
			if user == "public" {
				who = "PUBLIC"
			}
			create := "CREATE USER MAPPING FOR " + who + " SERVER " + quoteIdent(srvName)
			if o := fdwOptions(opts, l.std); o != "" {
				create += " " + o
			}
			create += ";\n"
			tag := "USER MAPPING " + user + " SERVER " + srvName
			o := &object{key: objKey{classPgUserMapping, oid}, prio: prioForeignServer, sortName: tag}
			o.entry = &Entry{Desc: "USER MAPPING", Section: SectionPreData, Tag: tag, Owner: owner,
				Create: create, Drop: "DROP USER MAPPING FOR " + who + " SERVER " + quoteIdent(srvName) + ";\n"}
			o.deps = []objKey{{classPgForeignServer, srv}}
			l.add(o)
			return nil
		})
}

// foreignTableInfo reads server and options of foreign tables.
func (l *loader) loadForeignTables() error {
	return l.query(`SELECT f.ftrelid, s.srvname, f.ftoptions::text[] FROM pg_catalog.pg_foreign_table f
JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver`, func(row pgx.Rows) error {
		var rel uint32
		var srv string
		var opts []string
		if err := row.Scan(&rel, &srv, &opts); err != nil {
			return err
		}
		if r := l.rels[rel]; r != nil {
			r.ftServer = srv
			r.ftOptions = opts
		}
		return nil
	})
}

func (l *loader) loadEventTriggers() error {
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	return l.query(`SELECT e.oid, e.evtname, pg_catalog.pg_get_userbyid(e.evtowner), e.evtevent, e.evtfoid::regproc::text,
  e.evtenabled::text, e.evttags::text[] FROM pg_catalog.pg_event_trigger e ORDER BY e.oid`, func(row pgx.Rows) error {
		var oid uint32
		var name, owner, event, fn, enabled string
		var tags []string
		if err := row.Scan(&oid, &name, &owner, &event, &fn, &enabled, &tags); err != nil {
			return err
		}
		k := objKey{classPgEventTrigger, oid}
		if l.extMember[k] {
			return nil
		}
		q := quoteIdent(name)
		var b strings.Builder
		b.WriteString("CREATE EVENT TRIGGER " + q + " ON " + quoteIdent(event))
		if len(tags) > 0 {
			var ts []string
			for _, t := range tags {
				ts = append(ts, quoteLiteral(t, l.std))
			}
			b.WriteString("\n         WHEN TAG IN (" + strings.Join(ts, ", ") + ")")
		}
		b.WriteString("\n   EXECUTE FUNCTION " + fn + "();\n")
		switch enabled {
		case "D":
			b.WriteString("\nALTER EVENT TRIGGER " + q + " DISABLE;\n")
		case "R":
			b.WriteString("\nALTER EVENT TRIGGER " + q + " ENABLE REPLICA;\n")
		case "A":
			b.WriteString("\nALTER EVENT TRIGGER " + q + " ENABLE ALWAYS;\n")
		}
		o := &object{key: k, prio: prioEventTrigger, sortName: name}
		o.entry = &Entry{Desc: "EVENT TRIGGER", Section: SectionPostData, Tag: name, Owner: owner,
			CatalogOID: classPgEventTrigger, OID: oid, Create: b.String(), Drop: "DROP EVENT TRIGGER " + q + ";\n"}
		l.addComment(o, 0, "EVENT TRIGGER "+q, "EVENT TRIGGER "+q, "", owner)
		l.add(o)
		return nil
	})
}
