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
	// separate marks a NOT NULL constraint (18+) that CREATE TABLE must not
	// print: NOT VALID ones, and inherited ones validated below a NOT VALID
	// parent; post is the post-data object that creates or validates it
	// (its comment goes there).
	separate bool
	post     *object
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
	var fkChildren, nnCons []*conInfo
	fkByOID := map[uint32]*conInfo{}
	err := l.query(sql, func(row pgx.Rows) error {
		c := &conInfo{}
		var typ string
		if err := row.Scan(&c.oid, &c.name, &typ, &c.rel, &c.typid, &c.def, &c.isLocal, &c.validated,
			&c.noInherit, &c.indid, &c.parent, &c.key1, &c.frel); err != nil {
			return err
		}
		c.typ = typ[0]
		if c.typ == 'f' {
			fkByOID[c.oid] = c
		}
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
			nnCons = append(nnCons, c)
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
			if !r.dump {
				return nil
			}
			if c.parent != 0 {
				fkChildren = append(fkChildren, c)
				return nil
			}
			l.addConstraintObj(r, c, "FK CONSTRAINT", prioFKConstraint, r.kind != 'p')
			l.fkCons = append(l.fkCons, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A foreign key a partition inherited from its parent's is created by the
	// parent's ADD FOREIGN KEY with the parent's name. One that had a name of its
	// own (made on the partition before it was attached) is dumped first under
	// that name: the parent's ADD then adopts it instead of making a clone.
	// Clones on the referenced side (one per partition of a partitioned
	// referenced table, same referencing table) are made by the parent's ADD.
	var own []*conInfo
	for _, c := range fkChildren {
		p := fkByOID[c.parent]
		r := l.rels[c.rel]
		if p == nil || p.rel == c.rel || p.name == c.name || r == nil {
			continue
		}
		l.addConstraintObj(r, c, "FK CONSTRAINT", prioFKConstraint, r.kind != 'p')
		l.fkCons = append(l.fkCons, c)
		own = append(own, c)
	}
	// The parent's ADD must come after, and so must the ADD of every ancestor
	// (each recurses down to here).
	for _, c := range own {
		for q := fkByOID[c.parent]; q != nil; q = fkByOID[q.parent] {
			if q.obj != nil {
				q.obj.deps = append(q.obj.deps, objKey{classPgConstraint, c.oid})
			}
		}
	}
	l.notNullPass(nnCons)
	return nil
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
			l.indexChildren[parent] = append(l.indexChildren[parent], oid)
			a := &object{key: objKey{pseudoIndexAttach, oid}, prio: prioIndexAttach, sortNS: ns, sortName: name}
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

// fkAttachDeps makes each foreign key that references a partitioned table's
// index follow the INDEX ATTACH of every partition's index below it: until all
// are attached the parent index is invalid and ADD FOREIGN KEY fails (a
// parallel restore would otherwise run them in any order).
func (l *loader) fkAttachDeps() {
	for _, c := range l.fkCons {
		if c.obj == nil || c.indid == 0 {
			continue
		}
		seen := map[uint32]bool{}
		stack := []uint32{c.indid}
		for len(stack) > 0 {
			ix := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, ch := range l.indexChildren[ix] {
				if seen[ch] {
					continue
				}
				seen[ch] = true
				if _, ok := l.byKey[objKey{pseudoIndexAttach, ch}]; ok {
					c.obj.deps = append(c.obj.deps, objKey{pseudoIndexAttach, ch})
				}
				stack = append(stack, ch)
			}
		}
	}
}

// parentNotNullCon returns the NOT NULL constraint of a parent of r on the
// column numbered num of r, or nil.
func (l *loader) parentNotNullCon(r *relInfo, num int16) *conInfo {
	var name string
	for _, c := range r.cols {
		if c.num == num {
			name = c.name
		}
	}
	for _, p := range r.parents {
		pr := l.rels[p]
		if pr == nil {
			continue
		}
		for _, pc := range pr.cols {
			if pc.name == name && pr.notNull[pc.num] != nil {
				return pr.notNull[pc.num]
			}
		}
	}
	return nil
}

// validParentNotNull reports whether some parent of r has a valid NOT NULL
// constraint on the column numbered num of r (CREATE TABLE … INHERITS then
// gives r a valid one).
func (l *loader) validParentNotNull(r *relInfo, num int16) bool {
	var name string
	for _, c := range r.cols {
		if c.num == num {
			name = c.name
		}
	}
	for _, p := range r.parents {
		if pr := l.rels[p]; pr != nil {
			for _, pc := range pr.cols {
				if pc.name == name && pr.notNull[pc.num] != nil && pr.notNull[pc.num].validated {
					return true
				}
			}
		}
	}
	return false
}

// notNullPass places the NOT NULL constraints of 18+ that CREATE TABLE cannot
// express. A NOT VALID one is added after the data (ALTER TABLE … ADD … NOT
// VALID, which recurses to inheritors) unless a parent's ADD makes it with
// its name; a partition's or child's own one comes before its parents' ADD,
// which then adopts it. An inherited one that was validated below a NOT VALID
// parent is validated after that parent's ADD.
func (l *loader) notNullPass(nn []*conInfo) {
	// creator is the post-data object whose statement creates c.
	var creator func(c *conInfo, depth int) *object
	creator = func(c *conInfo, depth int) *object {
		if c.obj != nil || depth > 32 {
			return c.obj
		}
		r := l.rels[c.rel]
		if r == nil {
			return nil
		}
		if p := l.parentNotNullCon(r, c.key1); p != nil && !p.validated {
			return creator(p, depth+1)
		}
		return nil
	}
	for _, c := range nn {
		r := l.rels[c.rel]
		if r == nil || c.validated {
			continue
		}
		c.separate = true
		p := l.parentNotNullCon(r, c.key1)
		if r.dump && (c.isLocal || p == nil || p.name != c.name) {
			l.addConstraintObj(r, c, "CONSTRAINT", prioConstraint, false)
			c.post = c.obj
		}
	}
	for _, c := range nn {
		r := l.rels[c.rel]
		if r == nil || !r.dump {
			continue
		}
		p := l.parentNotNullCon(r, c.key1)
		if c.obj != nil {
			// Every ancestor's ADD recurses to here: it must come after.
			for q, i := p, 0; q != nil && i < 32; i++ {
				if q.obj != nil {
					q.obj.deps = append(q.obj.deps, objKey{classPgConstraint, c.oid})
				}
				qr := l.rels[q.rel]
				if qr == nil {
					break
				}
				q = l.parentNotNullCon(qr, q.key1)
			}
			continue
		}
		// A partition whose constraint has another name than its parent's
		// prints it in CREATE TABLE instead (the parent's ADD adopts it, but it
		// stays local there).
		if !c.separate && c.validated && !c.isLocal && (!r.isPartition || p != nil && p.name == c.name) && p != nil && !p.validated &&
			!l.validParentNotNull(r, c.key1) {
			c.separate = true
			cr := creator(p, 0)
			v := &object{prio: prioConstraint, sortNS: r.ns, sortName: c.name, sortExtra: r.name}
			v.entry = &Entry{Desc: "CONSTRAINT", Section: SectionPostData, Tag: r.name + " " + c.name, Namespace: r.ns, Owner: r.owner,
				Create: "ALTER TABLE ONLY " + r.qualified() + " VALIDATE CONSTRAINT " + quoteIdent(c.name) + ";\n"}
			v.deps = []objKey{{classPgClass, r.oid}}
			if cr != nil {
				v.deps = append(v.deps, cr.key)
			}
			c.post = l.add(v)
			continue
		}
		if c.separate && c.post == nil {
			// Made by an ancestor's ADD: its comment waits for that.
			if cr := creator(c, 0); cr != nil {
				if e := l.comment(objKey{classPgConstraint, c.oid}, 0, "CONSTRAINT "+quoteIdent(c.name)+" ON "+r.qualified(),
					"CONSTRAINT "+quoteIdent(c.name)+" ON "+quoteIdent(r.name), r.ns, r.owner); e != nil {
					ic := &object{prio: prioConstraint, sortNS: r.ns, sortName: c.name, sortExtra: r.name, section: SectionPostData,
						children: []*Entry{e}, deps: []objKey{cr.key}}
					ic.childDeps = map[*Entry][]objKey{e: {cr.key}}
					c.post = l.add(ic)
				}
			}
		}
	}
	for _, c := range nn {
		if c.post != nil && c.post.entry != nil && c.obj == nil {
			r := l.rels[c.rel]
			l.addComment2(c.post, objKey{classPgConstraint, c.oid}, "CONSTRAINT "+quoteIdent(c.name)+" ON "+r.qualified(),
				"CONSTRAINT "+quoteIdent(c.name)+" ON "+quoteIdent(r.name), r.ns, r.owner)
		}
	}
}
