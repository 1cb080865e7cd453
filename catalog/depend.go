package catalog

import "github.com/jackc/pgx/v5"

// depRow is one pg_depend edge: obj depends on ref.
type depRow struct {
	obj, ref objKey
	deptype  byte
}

// loadDepends reads pg_depend (user objects only) and decides which column
// defaults must be dumped separately from their table to avoid a loop.
func (l *loader) loadDepends() error {
	err := l.query(`SELECT classid::oid, objid::oid, refclassid::oid, refobjid::oid, deptype::text FROM pg_catalog.pg_depend
WHERE deptype NOT IN ('p', 'e', 'x') AND objid >= 16384 AND (refobjid >= 16384 OR refobjid = 2200)`,
		func(r pgx.Rows) error {
			var d depRow
			var t string
			if err := r.Scan(&d.obj.classID, &d.obj.objID, &d.ref.classID, &d.ref.objID, &t); err != nil {
				return err
			}
			d.deptype = t[0]
			l.depRows = append(l.depRows, d)
			return nil
		})
	if err != nil {
		return err
	}
	// Functions that depend on tables (SQL-standard bodies).
	procOnRel := map[uint32]map[uint32]bool{}
	for _, d := range l.depRows {
		if d.obj.classID == classPgProc && d.ref.classID == classPgClass {
			m := procOnRel[d.obj.objID]
			if m == nil {
				m = map[uint32]bool{}
				procOnRel[d.obj.objID] = m
			}
			m[d.ref.objID] = true
		}
	}
	defCol := map[uint32]*colInfo{}
	defRel := map[uint32]uint32{}
	for _, r := range l.rels {
		for _, c := range r.cols {
			if c.defOID != 0 {
				defCol[c.defOID] = c
				defRel[c.defOID] = r.oid
			}
		}
	}
	for _, d := range l.depRows {
		if d.obj.classID != classPgAttrdef {
			continue
		}
		c := defCol[d.obj.objID]
		if c == nil {
			continue
		}
		rel := defRel[d.obj.objID]
		switch d.ref.classID {
		case classPgClass:
			if o, ok := l.seqOwner[d.ref.objID]; ok && o.table == rel && !o.identity {
				c.defSeparate = true
			}
		case classPgProc:
			if procOnRel[d.ref.objID][rel] {
				c.defSeparate = true
			}
		}
	}
	return nil
}

// linkDepends adds the pg_depend edges to the dumped objects.
func (l *loader) linkDepends() {
	for _, d := range l.depRows {
		from := l.resolve(d.obj)
		if from == nil {
			continue
		}
		to := l.resolve(d.ref)
		if to == nil || to == from {
			continue
		}
		from.deps = append(from.deps, d.ref)
		if from.rel != nil && (d.obj.classID == classPgAttrdef || d.obj.classID == classPgConstraint) && l.byKey[d.obj] == nil {
			if from.inline == nil {
				from.inline = map[objKey][]objKey{}
			}
			from.inline[d.obj] = append(from.inline[d.obj], d.ref)
		}
	}
	// A matview that reads an unpopulated matview cannot be refreshed (pg_dump
	// leaves its REFRESH out too); repeat until stable for chains.
	for changed := true; changed; {
		changed = false
		kept := l.objs[:0]
		for _, o := range l.objs {
			if o.key.classID == pseudoMVData && l.readsUnrefreshed(o.key.objID) {
				delete(l.byKey, o.key)
				changed = true
				continue
			}
			kept = append(kept, o)
		}
		l.objs = kept
	}
	// A matview's REFRESH follows the REFRESH of matviews it reads.
	for _, o := range l.objs {
		if o.key.classID != pseudoMVData {
			continue
		}
		for _, m := range l.matviewsRead(o.key.objID) {
			if _, ok := l.byKey[objKey{pseudoMVData, m}]; ok && m != o.key.objID {
				o.deps = append(o.deps, objKey{pseudoMVData, m})
			}
		}
	}
}

// matviewsRead returns the matviews that matview mv reads, directly or through
// views.
func (l *loader) matviewsRead(mv uint32) []uint32 {
	var out []uint32
	seen := map[*object]bool{}
	var walk func(o *object)
	walk = func(o *object) {
		if o == nil || seen[o] {
			return
		}
		seen[o] = true
		for _, k := range o.deps {
			t := l.resolve(k)
			if t == nil || t == o || t.key.classID != classPgClass {
				continue
			}
			r := l.rels[t.key.objID]
			if r == nil {
				continue
			}
			switch r.kind {
			case 'm':
				out = append(out, r.oid)
			case 'v':
				walk(t)
			}
		}
	}
	walk(l.byKey[objKey{classPgClass, mv}])
	return out
}

// readsUnrefreshed reports whether matview mv reads a dumped matview that will
// not be refreshed (unpopulated, or its own REFRESH was left out).
func (l *loader) readsUnrefreshed(mv uint32) bool {
	for _, m := range l.matviewsRead(mv) {
		if _, ok := l.byKey[objKey{pseudoMVData, m}]; !ok {
			return true
		}
	}
	return false
}
