package catalog

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

const (
	classPgTSDict   = 3600
	classPgTSConfig = 3602
)

// loadTextSearch reads text search dictionaries and configurations (parsers and
// templates need C functions and come from extensions in practice).
func (l *loader) loadTextSearch() error {
	if l.f.tablesOnly() {
		return nil
	}
	err := l.query(`SELECT d.oid, d.dictnamespace, d.dictname, pg_catalog.pg_get_userbyid(d.dictowner),
  pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.tmplname), d.dictinitoption
FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
WHERE d.oid >= 16384 ORDER BY d.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner, tmpl string
		var init *string
		if err := row.Scan(&oid, &nsp, &name, &owner, &tmpl, &init); err != nil {
			return err
		}
		k := objKey{classPgTSDict, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		create := "CREATE TEXT SEARCH DICTIONARY " + q + " (\n    TEMPLATE = " + tmpl
		if init != nil && *init != "" {
			create += ",\n    " + *init
		}
		create += " );\n"
		o := &object{key: k, prio: prioTSDict, sortNS: ns, sortName: name}
		o.entry = &Entry{Desc: "TEXT SEARCH DICTIONARY", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgTSDict, OID: oid, Create: create, Drop: "DROP TEXT SEARCH DICTIONARY " + q + ";\n"}
		l.addComment(o, 0, "TEXT SEARCH DICTIONARY "+q, "TEXT SEARCH DICTIONARY "+quoteIdent(name), ns, owner)
		l.add(o)
		return nil
	})
	if err != nil {
		return err
	}
	// Mappings of all user configurations, in token order.
	maps := map[uint32][]string{}
	err = l.query(`SELECT m.mapcfg, t.alias, pg_catalog.string_agg(
    pg_catalog.quote_ident(dn.nspname) || '.' || pg_catalog.quote_ident(d.dictname), ', ' ORDER BY m.mapseqno)
FROM pg_catalog.pg_ts_config_map m JOIN pg_catalog.pg_ts_config c ON c.oid = m.mapcfg
CROSS JOIN LATERAL pg_catalog.ts_token_type(c.cfgparser) t
JOIN pg_catalog.pg_ts_dict d ON d.oid = m.mapdict JOIN pg_catalog.pg_namespace dn ON dn.oid = d.dictnamespace
WHERE c.oid >= 16384 AND t.tokid = m.maptokentype
GROUP BY m.mapcfg, m.maptokentype, t.alias ORDER BY m.mapcfg, m.maptokentype`, func(row pgx.Rows) error {
		var cfg uint32
		var alias, dicts string
		if err := row.Scan(&cfg, &alias, &dicts); err != nil {
			return err
		}
		maps[cfg] = append(maps[cfg], "    ADD MAPPING FOR "+alias+" WITH "+dicts)
		return nil
	})
	if err != nil {
		return err
	}
	return l.query(`SELECT c.oid, c.cfgnamespace, c.cfgname, pg_catalog.pg_get_userbyid(c.cfgowner),
  pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname)
FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
WHERE c.oid >= 16384 ORDER BY c.oid`, func(row pgx.Rows) error {
		var oid, nsp uint32
		var name, owner, parser string
		if err := row.Scan(&oid, &nsp, &name, &owner, &parser); err != nil {
			return err
		}
		k := objKey{classPgTSConfig, oid}
		if l.extMember[k] || !l.nsDumped(nsp) {
			return nil
		}
		ns := l.nsName(nsp)
		q := qualify(ns, name)
		var b strings.Builder
		b.WriteString("CREATE TEXT SEARCH CONFIGURATION " + q + " (\n    PARSER = " + parser + " );\n")
		for _, m := range maps[oid] {
			b.WriteString("\nALTER TEXT SEARCH CONFIGURATION " + q + "\n" + m + ";\n")
		}
		o := &object{key: k, prio: prioTSConfig, sortNS: ns, sortName: name}
		o.entry = &Entry{Desc: "TEXT SEARCH CONFIGURATION", Section: SectionPreData, Tag: name, Namespace: ns, Owner: owner,
			CatalogOID: classPgTSConfig, OID: oid, Create: b.String(), Drop: "DROP TEXT SEARCH CONFIGURATION " + q + ";\n"}
		l.addComment(o, 0, "TEXT SEARCH CONFIGURATION "+q, "TEXT SEARCH CONFIGURATION "+quoteIdent(name), ns, owner)
		l.add(o)
		return nil
	})
}
