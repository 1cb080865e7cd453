package catalog

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// conInfo is one pg_constraint row.
type conInfo struct {
	oid       uint32
	name      string
	typ       byte
	rel       uint32
	typid     uint32
	def       string
	isLocal   bool
	validated bool
	noInherit bool
	indid     uint32
	parent    uint32
	key1      int16
	frel      uint32 // referenced table of a foreign key
	obj       *object
}

func (l *loader) loadConstraints() error {
	l.domainCons = map[uint32][]*conInfo{}
	sql := `SELECT con.oid, con.conname, con.contype::text, con.conrelid, con.contypid,
  pg_catalog.pg_get_constraintdef(con.oid), con.conislocal, con.convalidated, con.connoinherit, con.conindid,
  con.conparentid, coalesce(con.conkey[1], 0), con.confrelid
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_catalog.pg_type t ON t.oid = con.contypid
JOIN pg_catalog.pg_namespace n ON n.oid = coalesce(c.relnamespace, t.typnamespace)
WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)'
ORDER BY con.oid`
	return l.query(sql, func(row pgx.Rows) error {
		c := &conInfo{}
		var typ string
		if err := row.Scan(&c.oid, &c.name, &typ, &c.rel, &c.typid, &c.def, &c.isLocal, &c.validated,
			&c.noInherit, &c.indid, &c.parent, &c.key1, &c.frel); err != nil {
			return err
		}
		c.typ = typ[0]
		k := objKey{classPgConstraint, c.oid}
		if c.typid != 0 {
			l.domainCons[c.typid] = append(l.domainCons[c.typid], c)
			return nil
		}
		r := l.rels[c.rel]
		if r == nil {
			return nil
		}
		switch c.typ {
		case 'n':
			if r.notNull == nil {
				r.notNull = map[int16]*conInfo{}
			}
			r.notNull[c.key1] = c
			l.alias[k] = objKey{classPgClass, r.oid}
		case 'c':
			if !c.isLocal && !r.isPartition {
				l.alias[k] = objKey{classPgClass, r.oid}
				return nil
			}
			if c.validated || !c.isLocal {
				r.checks = append(r.checks, c)
				l.alias[k] = objKey{classPgClass, r.oid}
				return nil
			}
			if !r.dump {
				return nil
			}
			l.addConstraintObj(r, c, "CHECK CONSTRAINT", prioConstraint, false)
		case 'p', 'u', 'x':
			if !r.dump {
				return nil
			}
			l.addConstraintObj(r, c, "CONSTRAINT", prioConstraint, true)
			l.alias[objKey{classPgClass, c.indid}] = k
		case 'f':
			if c.frel != c.rel {
				l.fks = append(l.fks, [2]uint32{c.rel, c.frel})
			}
			if !r.dump || c.parent != 0 {
				return nil
			}
			l.addConstraintObj(r, c, "FK CONSTRAINT", prioFKConstraint, r.kind != 'p')
		}
		return nil
	})
}

func (l *loader) addConstraintObj(r *relInfo, c *conInfo, desc string, prio priority, only bool) {
	alter := "ALTER TABLE "
	if only {
		alter += "ONLY "
	}
	q := r.qualified()
	o := &object{key: objKey{classPgConstraint, c.oid}, prio: prio, sortNS: r.ns, sortName: c.name, sortExtra: r.name}
	o.entry = &Entry{Desc: desc, Section: SectionPostData, Tag: r.name + " " + c.name, Namespace: r.ns, Owner: r.owner,
		CatalogOID: classPgConstraint, OID: c.oid,
		Create: alter + q + "\n    ADD CONSTRAINT " + quoteIdent(c.name) + " " + c.def + ";\n",
		Drop:   alter + q + " DROP CONSTRAINT " + quoteIdent(c.name) + ";\n"}
	o.deps = append(o.deps, objKey{classPgClass, r.oid})
	l.addComment(o, 0, "CONSTRAINT "+quoteIdent(c.name)+" ON "+q, "CONSTRAINT "+quoteIdent(c.name)+" ON "+quoteIdent(r.name), r.ns, r.owner)
	c.obj = l.add(o)
}

func (l *loader) loadIndexes() error {
	stats := "NULL::text[]"
	statCond := "a.attstattarget > 0"
	if l.v.AtLeast(17) {
		statCond = "a.attstattarget IS NOT NULL AND a.attstattarget >= 0"
	}
	stats = `st.stats`
	// pg_get_indexdef costs ~0.1 ms per index; plain btree indexes on columns
	// with default opclasses, collations and ordering are spelled here instead.
	nnd := ""
	if l.v.AtLeast(15) {
		nnd = " AND NOT i.indnullsnotdistinct"
	}
	simple := `(sk.ok AND i.indexprs IS NULL AND i.indpred IS NULL AND ic.reloptions IS NULL AND i.indnkeyatts = i.indnatts
    AND ic.relkind = 'i' AND am.amname = 'btree'` + nnd + `)`
	sql := `SELECT i.indexrelid, i.indrelid, ic.relname, ic.relnamespace,
  CASE WHEN con.oid IS NULL AND NOT ` + simple + ` THEN pg_catalog.pg_get_indexdef(i.indexrelid) ELSE '' END,
  ` + simple + `, sk.cols, i.indisunique,
  coalesce(ts.spcname, ''),
  i.indisclustered, i.indisreplident,
  coalesce(con.oid, 0),
  coalesce(h.inhparent, 0), coalesce(pc.relname, ''), coalesce(pc.relnamespace, 0), coalesce(pi.indrelid, 0),
  ` + stats + `
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
  AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_catalog.pg_inherits h ON h.inhrelid = i.indexrelid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = h.inhparent
LEFT JOIN pg_catalog.pg_index pi ON pi.indexrelid = h.inhparent
LEFT JOIN (SELECT a.attrelid, pg_catalog.array_agg(a.attnum || ' ' || a.attstattarget ORDER BY a.attnum)::text[] AS stats
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class x ON x.oid = a.attrelid AND x.relkind IN ('i', 'I')
  WHERE ` + statCond + ` GROUP BY a.attrelid) st ON st.attrelid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
LEFT JOIN pg_catalog.pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL (
  SELECT coalesce(pg_catalog.bool_and(coalesce(k.attnum > 0 AND k.opt = 0 AND oc.opcdefault AND oc.opcintype = a.atttypid
      AND k.coll = a.attcollation, false)), false) AS ok,
    pg_catalog.array_agg(coalesce(a.attname::text, '') ORDER BY k.n) AS cols
  FROM unnest(i.indkey::int2[], i.indclass::oid[], i.indcollation::oid[], i.indoption::int2[])
    WITH ORDINALITY AS k(attnum, opc, coll, opt, n)
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opc) sk
WHERE t.relkind IN ('r', 'p', 'm') AND n.nspname <> 'information_schema'
  AND n.nspname !~ '^pg_(catalog$|toast|temp_)'
ORDER BY i.indexrelid`
	return l.query(sql, func(row pgx.Rows) error {
		var oid, rel, nsp, con, parent, pnsp, prel uint32
		var name, def, ts, pname string
		var clustered, replident, simple, unique bool
		var stats, cols []string
		if err := row.Scan(&oid, &rel, &name, &nsp, &def, &simple, &cols, &unique, &ts, &clustered, &replident, &con,
			&parent, &pname, &pnsp, &prel, &stats); err != nil {
			return err
		}
		r := l.rels[rel]
		if r == nil || !r.dump || l.extMember[objKey{classPgClass, oid}] {
			return nil
		}
		if con == 0 && simple {
			def = simpleIndexDef(name, r.qualified(), unique, cols)
		}
		ns := l.nsName(nsp)
		qi := qualify(ns, name)
		extra := ""
		if clustered {
			extra += "\nALTER TABLE " + r.qualified() + " CLUSTER ON " + quoteIdent(name) + ";\n"
		}
		if replident {
			extra += "\nALTER TABLE ONLY " + r.qualified() + " REPLICA IDENTITY USING INDEX " + quoteIdent(name) + ";\n"
		}
		for _, s := range stats {
			var num, target int
			if _, err := fmt.Sscanf(s, "%d %d", &num, &target); err == nil {
				extra += fmt.Sprintf("ALTER INDEX %s ALTER COLUMN %d SET STATISTICS %d;\n", qi, num, target)
			}
		}
		tsp := ts
		if con != 0 {
			// Dumped by its constraint; append clustering etc. there.
			if co := l.byKey[objKey{classPgConstraint, con}]; co != nil && co.entry != nil {
				co.entry.Create += extra
				co.entry.Tablespace = &tsp
				// A comment on the index itself sorts like an index (pg_dump).
				if e := l.comment(objKey{classPgClass, oid}, 0, "INDEX "+qi, "INDEX "+quoteIdent(name), ns, r.owner); e != nil {
					ic := &object{prio: prioIndex, sortNS: ns, sortName: name, section: SectionPostData,
						children: []*Entry{e}, deps: []objKey{co.key}}
					ic.childDeps = map[*Entry][]objKey{e: {co.key}}
					l.add(ic)
				}
			}
		} else {
			o := &object{key: objKey{classPgClass, oid}, prio: prioIndex, sortNS: ns, sortName: name}
			o.entry = &Entry{Desc: "INDEX", Section: SectionPostData, Tag: name, Namespace: ns, Owner: r.owner,
				Tablespace: &tsp, CatalogOID: classPgClass, OID: oid,
				Create: def + ";\n" + extra, Drop: "DROP INDEX " + qi + ";\n"}
			o.deps = append(o.deps, objKey{classPgClass, rel})
			l.addComment(o, 0, "INDEX "+qi, "INDEX "+quoteIdent(name), ns, r.owner)
			l.add(o)
		}
		if pr := l.rels[prel]; parent != 0 && pr != nil && pr.dump {
			a := &object{prio: prioIndexAttach, sortNS: ns, sortName: name}
			a.entry = &Entry{Desc: "INDEX ATTACH", Section: SectionPostData, Tag: name, Namespace: ns, Owner: r.owner,
				Create: "ALTER INDEX " + qualify(l.nsName(pnsp), pname) + " ATTACH PARTITION " + qi + ";\n"}
			a.deps = []objKey{{classPgClass, parent}, {classPgClass, oid}}
			l.add(a)
		}
		return nil
	})
}

// simpleIndexDef spells a plain btree index the way pg_get_indexdef does.
func simpleIndexDef(name, table string, unique bool, cols []string) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX " + quoteIdent(name) + " ON " + table + " USING btree (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(")")
	return b.String()
}
