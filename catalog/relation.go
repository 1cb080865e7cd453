package catalog

import (
	"sort"
	"strconv"
	"strings"
)

// pseudo catalog ids for objects that have no catalog row of their own.
const (
	pseudoTableData uint32 = 1
	pseudoSeqSet    uint32 = 2
	pseudoMVData    uint32 = 3
	pseudoAnon      uint32 = 4 // objects without a catalog row (ATTACH, ROW SECURITY, …)
	pseudoBoundary  uint32 = 5
	// pseudoIndexAttach keys the INDEX ATTACH of a partition's index (by its OID).
	pseudoIndexAttach uint32 = 7
)

// relOptions renders reloptions ("fillfactor=50") as pg_dump's WITH list
// (fillfactor='50'), with toast options prefixed.
func relOptions(opts, toast []string, std bool, skip func(string) bool) string {
	var parts []string
	add := func(prefix string, list []string) {
		for _, o := range list {
			k, v, ok := strings.Cut(o, "=")
			if skip != nil && skip(k) {
				continue
			}
			if !ok {
				parts = append(parts, prefix+k)
				continue
			}
			parts = append(parts, prefix+k+"="+quoteLiteral(v, std))
		}
	}
	add("", opts)
	add("toast.", toast)
	return strings.Join(parts, ", ")
}

// buildRelations turns loaded relations into objects and entries.
func (l *loader) buildRelations() error {
	// Relations in OID order for determinism of any map iteration effects.
	oids := make([]uint32, 0, len(l.rels))
	for oid := range l.rels {
		oids = append(oids, oid)
	}
	sort.Slice(oids, func(i, j int) bool { return oids[i] < oids[j] })
	for _, oid := range oids {
		r := l.rels[oid]
		if r.extConfig != nil && r.dumpData {
			l.addTableData(r)
			continue
		}
		if !r.dump {
			continue
		}
		switch r.kind {
		case 'r', 'p', 'f':
			l.buildTable(r)
		case 'v', 'm':
			l.buildView(r)
		case 'S':
			l.buildSequence(r)
		}
	}
	return nil
}

func (l *loader) relObject(r *relInfo, desc string) *object {
	o := &object{key: objKey{classPgClass, r.oid}, prio: prioTable, sortNS: r.ns, sortName: r.name}
	o.entry = &Entry{Desc: desc, Section: SectionPreData, Tag: r.name, Namespace: r.ns, Owner: r.owner,
		CatalogOID: classPgClass, OID: r.oid, RelKind: r.kind}
	r.obj = o
	return o
}

// parentNotNull reports whether a parent's column of that name is NOT NULL.
func (l *loader) parentNotNull(r *relInfo, name string) bool {
	pc := l.parentColumn(r, name)
	return pc != nil && pc.notNull
}

// parentColumn reports the inherited parent column with the same name, if any.
func (l *loader) parentColumn(r *relInfo, name string) *colInfo {
	for _, p := range r.parents {
		if pr := l.rels[p]; pr != nil {
			for _, c := range pr.cols {
				if c.name == name {
					return c
				}
			}
		}
	}
	return nil
}

func (l *loader) buildTable(r *relInfo) {
	desc := "TABLE"
	if r.kind == 'f' {
		desc = "FOREIGN TABLE"
	}
	o := l.relObject(r, desc)
	o.rel = r
	q := r.qualified()
	ts := r.tablespace
	o.entry.Tablespace = &ts
	if r.kind == 'r' {
		o.entry.TableAM = r.am
	}
	sepDefaults := l.tableSQL(r, o)
	o.entry.Drop = "DROP " + desc + " " + q + ";\n"
	for _, p := range r.parents {
		o.deps = append(o.deps, objKey{classPgClass, p})
	}
	l.relChildren(r, o, desc)
	l.add(o)
	l.tableExtras(r, o, sepDefaults)
}

// tableSQL sets the TABLE entry's defn and returns the columns whose defaults
// are dumped as separate DEFAULT entries.
func (l *loader) tableSQL(r *relInfo, o *object) []*colInfo {
	desc := o.entry.Desc
	q := r.qualified()
	var b strings.Builder
	b.WriteString("CREATE ")
	if r.persistence == 'u' {
		b.WriteString("UNLOGGED ")
	}
	b.WriteString(desc + " " + q)
	typed := r.ofType != nil && !r.isPartition
	if typed {
		b.WriteString(" OF " + *r.ofType)
	}
	var lines []string
	var after []string // ALTER statements appended to the TABLE entry
	var sepDefaults []*colInfo
	for _, c := range r.cols {
		printed := c.isLocal || r.isPartition
		if typed {
			printed = false
		}
		qc := quoteIdent(c.name)
		nn := c.notNull
		var nnCon *conInfo
		if r.notNull != nil {
			nnCon = r.notNull[c.num]
		}
		if printed {
			line := "    " + qc + " " + c.typ
			// An inherited generated column takes its expression from its
			// parents when they all agree with it.
			inheritsGen := false
			if c.generated != 0 && c.inhCount > 0 && !r.isPartition && c.def != nil {
				inheritsGen = true
				found := false
				for _, p := range r.parents {
					pr := l.rels[p]
					if pr == nil {
						continue
					}
					for _, pc := range pr.cols {
						if pc.name == c.name {
							found = true
							if pc.generated == 0 || pc.def == nil || *pc.def != *c.def {
								inheritsGen = false
							}
						}
					}
				}
				inheritsGen = inheritsGen && found
			}
			if c.def != nil && c.generated != 0 && !inheritsGen {
				line += " GENERATED ALWAYS AS (" + *c.def + ")"
				if c.generated == 's' {
					line += " STORED"
				}
			} else if c.def != nil && !c.defSeparate && c.generated == 0 {
				line += " DEFAULT " + *c.def
			}
			if nn && (nnCon == nil || !nnCon.separate) {
				if nnCon != nil && (nnCon.isLocal || r.isPartition) && (nnCon.name != r.name+"_"+c.name+"_not_null" || nnCon.noInherit) {
					line += " CONSTRAINT " + quoteIdent(nnCon.name) + " NOT NULL"
					if nnCon.noInherit {
						line += " NO INHERIT"
					}
				} else if nnCon != nil && (nnCon.isLocal || r.isPartition) {
					line += " NOT NULL"
				} else if nnCon == nil && (r.isPartition || !l.parentNotNull(r, c.name)) {
					// Up to 17, a NOT NULL inherited from a parent is not repeated.
					line += " NOT NULL"
				}
			}
			if c.collation != nil {
				line += " COLLATE " + *c.collation
			}
			if r.kind == 'f' && len(c.fdwOptions) > 0 {
				line += " OPTIONS (" + optionList(c.fdwOptions, l.std) + ")"
			}
			lines = append(lines, line)
		} else {
			// Inherited or typed column: options it adds locally.
			pc := l.parentColumn(r, c.name)
			var opts []string
			if nnCon != nil && !typed && (nnCon.separate || nnCon.isLocal) {
				// 18+: a constraint of its own on an inherited column keeps its
				// name (CREATE TABLE merges it with the inherited one).
				if !nnCon.separate {
					lines = append(lines, "    CONSTRAINT "+quoteIdent(nnCon.name)+" NOT NULL "+qc)
				}
			} else if nn && (pc == nil || !pc.notNull) {
				if typed {
					opts = append(opts, "NOT NULL")
				} else {
					after = append(after, "ALTER TABLE ONLY "+q+" ALTER COLUMN "+qc+" SET NOT NULL;\n")
				}
			}
			if c.def != nil && c.generated == 0 {
				if typed && !c.defSeparate {
					opts = append(opts, "DEFAULT "+*c.def)
				} else {
					sepDefaults = append(sepDefaults, c)
				}
			}
			if typed && len(opts) > 0 {
				lines = append(lines, "    "+qc+" WITH OPTIONS "+strings.Join(opts, " "))
			}
		}
		if c.def != nil && c.generated == 0 && printed && c.defSeparate {
			sepDefaults = append(sepDefaults, c)
		}
		if c.def != nil && c.generated == 0 && !c.defSeparate && (printed || (typed && !c.defSeparate)) {
			l.alias[objKey{classPgAttrdef, c.defOID}] = o.key
		}
		if c.statTarget >= 0 {
			after = append(after, "ALTER TABLE ONLY "+q+" ALTER COLUMN "+qc+" SET STATISTICS "+strconv.Itoa(c.statTarget)+";\n")
		}
		if c.storage != 0 && c.storage != c.typStorage {
			st := storageName[c.storage]
			if st != "" {
				after = append(after, "ALTER TABLE ONLY "+q+" ALTER COLUMN "+qc+" SET STORAGE "+st+";\n")
			}
		}
		if c.compress != 0 {
			cm := compressionName[c.compress]
			if cm != "" {
				after = append(after, "ALTER TABLE ONLY "+q+" ALTER COLUMN "+qc+" SET COMPRESSION "+cm+";\n")
			}
		}
		if opts := attOptions(c.options); opts != "" {
			after = append(after, "ALTER TABLE ONLY "+q+" ALTER COLUMN "+qc+" SET ("+opts+");\n")
		}
	}
	for _, c := range r.checks {
		lines = append(lines, "    CONSTRAINT "+quoteIdent(c.name)+" "+c.def)
	}
	if len(lines) > 0 {
		b.WriteString(" (\n" + strings.Join(lines, ",\n") + "\n)")
	} else if !typed {
		b.WriteString(" (\n)")
	}
	if !r.isPartition && len(r.parents) > 0 {
		var ps []string
		for _, p := range r.parents {
			if pr := l.rels[p]; pr != nil {
				ps = append(ps, pr.qualified())
			}
		}
		b.WriteString("\nINHERITS (" + strings.Join(ps, ", ") + ")")
	}
	if r.partKey != nil {
		b.WriteString("\nPARTITION BY " + *r.partKey)
	}
	if r.kind == 'f' {
		b.WriteString("\nSERVER " + quoteIdent(r.ftServer))
		if o := fdwOptions(r.ftOptions, l.std); o != "" {
			b.WriteString("\n" + o)
		}
	}
	if opts := relOptions(r.reloptions, r.toastOpts, l.std, nil); opts != "" {
		b.WriteString("\nWITH (" + opts + ")")
	}
	b.WriteString(";\n")
	for _, a := range after {
		b.WriteString(a)
	}
	if r.forceRLS {
		b.WriteString("ALTER TABLE ONLY " + q + " FORCE ROW LEVEL SECURITY;\n")
	}
	replIdent := r.replIdent
	if r.kind == 'f' {
		replIdent = 0
	}
	switch replIdent {
	case 'f':
		b.WriteString("ALTER TABLE ONLY " + q + " REPLICA IDENTITY FULL;\n")
	case 'n':
		b.WriteString("ALTER TABLE ONLY " + q + " REPLICA IDENTITY NOTHING;\n")
	}
	o.entry.Create = b.String()
	return sepDefaults
}

// tableExtras adds the entries that go with a table: separate defaults,
// ATTACH, data, row security.
func (l *loader) tableExtras(r *relInfo, o *object, sepDefaults []*colInfo) {
	q := r.qualified()
	for _, c := range sepDefaults {
		l.addDefault(r, c)
	}
	if r.isPartition && len(r.parents) > 0 && r.partBound != nil {
		if pr := l.rels[r.parents[0]]; pr != nil && pr.dump {
			a := &object{prio: prioTableAttach, sortNS: r.ns, sortName: r.name}
			a.entry = &Entry{Desc: "TABLE ATTACH", Section: SectionPreData, Tag: r.name, Namespace: r.ns, Owner: r.owner,
				Create: "ALTER TABLE ONLY " + pr.qualified() + " ATTACH PARTITION " + q + " " + *r.partBound + ";\n"}
			a.deps = []objKey{{classPgClass, pr.oid}, {classPgClass, r.oid}}
			l.add(a)
		}
	}
	if r.dumpData && r.kind == 'r' {
		l.addTableData(r)
	}
	if r.rowSecurity {
		rs := &object{prio: prioPolicy, sortNS: r.ns, sortName: r.name}
		rs.entry = &Entry{Desc: "ROW SECURITY", Section: SectionPostData, Tag: r.name, Namespace: r.ns, Owner: r.owner,
			OID: r.oid, Create: "ALTER TABLE " + q + " ENABLE ROW LEVEL SECURITY;\n"}
		rs.deps = []objKey{o.key}
		l.add(rs)
	}
}

// relChildren adds the comments (relation and columns) and ACLs of a relation.
func (l *loader) relChildren(r *relInfo, o *object, commentType string) {
	q := r.qualified()
	l.addComment(o, 0, commentType+" "+q, commentType+" "+quoteIdent(r.name), r.ns, r.owner)
	for _, c := range r.cols {
		l.addComment(o, int32(c.num), "COLUMN "+q+"."+quoteIdent(c.name), "COLUMN "+quoteIdent(r.name)+"."+quoteIdent(c.name), r.ns, r.owner)
	}
	// Comments on CHECK constraints printed inside CREATE TABLE.
	for _, c := range r.checks {
		if e := l.comment(objKey{classPgConstraint, c.oid}, 0, "CONSTRAINT "+quoteIdent(c.name)+" ON "+q,
			"CONSTRAINT "+quoteIdent(c.name)+" ON "+quoteIdent(r.name), r.ns, r.owner); e != nil && (c.isLocal || !r.isPartition) {
			o.children = append(o.children, e)
		}
	}
	// Comments on NOT NULL constraints (18+) made by CREATE TABLE; the others
	// go with the post-data entry that makes or validates them.
	var nums []int
	for n := range r.notNull {
		nums = append(nums, int(n))
	}
	sort.Ints(nums)
	for _, n := range nums {
		c := r.notNull[int16(n)]
		if c.obj != nil || c.post != nil || c.separate {
			continue
		}
		if e := l.comment(objKey{classPgConstraint, c.oid}, 0, "CONSTRAINT "+quoteIdent(c.name)+" ON "+q,
			"CONSTRAINT "+quoteIdent(c.name)+" ON "+quoteIdent(r.name), r.ns, r.owner); e != nil {
			o.children = append(o.children, e)
		}
	}
	onType, kind := "TABLE", byte('r')
	if r.kind == 'S' {
		onType, kind = "SEQUENCE", 's'
	}
	l.addACL(o, onType, q, onType+" "+quoteIdent(r.name), r.ns, r.owner, r.acl, kind, "")
	for _, c := range r.cols {
		l.addColumnACL(o, q, "COLUMN "+quoteIdent(r.name)+"."+quoteIdent(c.name), r.ns, r.owner, c.name, c.acl)
	}
}

func (l *loader) addDefault(r *relInfo, c *colInfo) {
	q := r.qualified()
	qc := quoteIdent(c.name)
	d := &object{key: objKey{classPgAttrdef, c.defOID}, prio: prioAttrDef, sortNS: r.ns, sortName: r.name, sortExtra: c.name}
	d.entry = &Entry{Desc: "DEFAULT", Section: SectionPreData, Tag: r.name + " " + c.name, Namespace: r.ns, Owner: r.owner,
		CatalogOID: classPgAttrdef, OID: c.defOID,
		Create: "ALTER TABLE ONLY " + q + " ALTER COLUMN " + qc + " SET DEFAULT " + *c.def + ";\n",
		Drop:   "ALTER TABLE " + q + " ALTER COLUMN " + qc + " DROP DEFAULT;\n"}
	d.deps = []objKey{{classPgClass, r.oid}}
	l.add(d)
}

func (l *loader) addTableData(r *relInfo) {
	var cols []string
	for _, c := range r.cols {
		if c.generated == 0 {
			cols = append(cols, quoteIdent(c.name))
		}
	}
	q := r.qualified()
	colList := strings.Join(cols, ", ")
	copyStmt := "COPY " + q + " (" + colList + ") FROM stdin;\n"
	if colList == "" {
		copyStmt = "COPY " + q + "  FROM stdin;\n"
	}
	rows := int64(r.relTuples)
	if r.relTuples < 0 {
		rows = -1
	}
	k := objKey{classPgClass, r.oid}
	d := &object{key: objKey{pseudoTableData, r.oid}, prio: prioTableData, sortNS: r.ns, sortName: r.name, firstDep: &k}
	d.entry = &Entry{Desc: "TABLE DATA", Section: SectionData, Tag: r.name, Namespace: r.ns, Owner: r.owner, OID: r.oid,
		Data: &TableData{OID: r.oid, Schema: r.ns, Name: r.name, Qualified: q, Columns: colList, CopyStmt: copyStmt,
			RelPages: r.relPages, Bytes: r.bytes, Rows: rows, RelKind: r.kind, Where: deref(r.extConfig)}}
	l.add(d)
}

func (l *loader) buildView(r *relInfo) {
	desc, ctype := "VIEW", "VIEW"
	if r.kind == 'm' {
		desc, ctype = "MATERIALIZED VIEW", "MATERIALIZED VIEW"
	}
	o := l.relObject(r, desc)
	q := r.qualified()
	def := strings.TrimRight(strings.TrimSpace(r.viewDef), ";")
	def = " " + def
	if strings.HasPrefix(r.viewDef, " ") {
		def = strings.TrimRight(strings.TrimRight(r.viewDef, " \n"), ";")
	}
	var check string
	opts := relOptions(r.reloptions, nil, l.std, func(k string) bool {
		return k == "check_option"
	})
	for _, ro := range r.reloptions {
		if k, v, _ := strings.Cut(ro, "="); k == "check_option" {
			check = strings.ToUpper(v)
		}
	}
	var b strings.Builder
	b.WriteString("CREATE " + desc + " " + q)
	if opts != "" {
		b.WriteString(" WITH (" + opts + ")")
	}
	b.WriteString(" AS\n" + def)
	if r.kind == 'm' {
		b.WriteString("\n  WITH NO DATA;\n")
		ts := r.tablespace
		o.entry.Tablespace = &ts
		o.entry.TableAM = r.am
	} else {
		if check != "" {
			b.WriteString("\n  WITH " + check + " CHECK OPTION")
		}
		b.WriteString(";\n")
	}
	// Column settings of a materialized view.
	for _, c := range r.cols {
		if r.kind != 'm' {
			break
		}
		alter := "ALTER MATERIALIZED VIEW " + q + " ALTER COLUMN " + quoteIdent(c.name)
		if c.statTarget >= 0 {
			b.WriteString(alter + " SET STATISTICS " + strconv.Itoa(c.statTarget) + ";\n")
		}
		if st := storageName[c.storage]; st != "" && c.storage != c.typStorage {
			b.WriteString(alter + " SET STORAGE " + st + ";\n")
		}
		if cm := compressionName[c.compress]; cm != "" {
			b.WriteString(alter + " SET COMPRESSION " + cm + ";\n")
		}
	}
	o.entry.Create = b.String()
	o.entry.Drop = "DROP " + desc + " " + q + ";\n"
	l.relChildren(r, o, ctype)
	l.add(o)
	for _, c := range r.cols {
		if c.def != nil {
			l.addDefault(r, c)
		}
	}
	if r.kind == 'm' && r.populated && !l.o.SchemaOnly {
		k := o.key
		d := &object{key: objKey{pseudoMVData, r.oid}, prio: prioRefreshMatview, sortNS: r.ns, sortName: r.name, firstDep: &k}
		d.entry = &Entry{Desc: "MATERIALIZED VIEW DATA", Section: SectionPostData, Tag: r.name, Namespace: r.ns,
			Owner: r.owner, OID: r.oid, Create: "REFRESH MATERIALIZED VIEW " + q + ";\n"}
		l.add(d)
	}
}

func (l *loader) buildSequence(r *relInfo) {
	s := r.seq
	if s == nil {
		return
	}
	o := l.relObject(r, "SEQUENCE")
	q := r.qualified()
	var owner *relInfo
	var ownerCol string
	if s.ownedBy != nil {
		owner = l.rels[s.ownedBy.table]
		if owner != nil {
			for _, c := range owner.cols {
				if c.num == s.ownedBy.attnum {
					ownerCol = c.name
				}
			}
		}
	}
	if s.ownedBy != nil && s.ownedBy.identity && owner != nil {
		var ident byte
		for _, c := range owner.cols {
			if c.num == s.ownedBy.attnum {
				ident = c.identity
			}
		}
		kind := "BY DEFAULT"
		if ident == 'a' {
			kind = "ALWAYS"
		}
		o.entry.Create = "ALTER TABLE " + owner.qualified() + " ALTER COLUMN " + quoteIdent(ownerCol) +
			" ADD GENERATED " + kind + " AS IDENTITY (\n    SEQUENCE NAME " + q + "\n" + seqOptions(s, false, "    ") + "\n);\n"
		if r.persistence == 'u' && owner.persistence != 'u' {
			o.entry.Create += "ALTER SEQUENCE " + q + " SET UNLOGGED;\n"
		} else if r.persistence == 'p' && owner.persistence == 'u' && l.v.AtLeast(15) {
			o.entry.Create += "ALTER SEQUENCE " + q + " SET LOGGED;\n"
		}
	} else {
		unlogged := ""
		if r.persistence == 'u' {
			unlogged = "UNLOGGED "
		}
		o.entry.Create = "CREATE " + unlogged + "SEQUENCE " + q + "\n" + seqOptions(s, true, "    ") + ";\n"
	}
	o.entry.Drop = "DROP SEQUENCE " + q + ";\n"
	l.relChildren(r, o, "SEQUENCE")
	if s.ownedBy != nil && !s.ownedBy.identity && owner != nil && owner.dump && ownerCol != "" {
		// pg_dump emits OWNED BY right after the sequence.
		ob := &Entry{Desc: "SEQUENCE OWNED BY", Section: SectionPreData, Tag: r.name, Namespace: r.ns, Owner: r.owner,
			Create: "ALTER SEQUENCE " + q + " OWNED BY " + owner.qualified() + "." + quoteIdent(ownerCol) + ";\n"}
		o.children = append([]*Entry{ob}, o.children...)
		if o.childDeps == nil {
			o.childDeps = map[*Entry][]objKey{}
		}
		o.childDeps[ob] = []objKey{{classPgClass, owner.oid}}
	}
	l.add(o)
	if !l.o.SchemaOnly {
		k := o.key
		d := &object{key: objKey{pseudoSeqSet, r.oid}, prio: prioSequenceSet, sortNS: r.ns, sortName: r.name, firstDep: &k}
		d.entry = &Entry{Desc: "SEQUENCE SET", Section: SectionData, Tag: r.name, Namespace: r.ns, Owner: r.owner,
			Create: "SELECT pg_catalog.setval(" + quoteLiteral(q, l.std) + ", " + strconv.FormatInt(s.last, 10) + ", " +
				strconv.FormatBool(s.called) + ");\n"}
		l.add(d)
	}
}

// attOptions renders attoptions as pg_dump does (verbatim, comma separated),
// leaving out Debian's pg_attver marker.
func attOptions(opts []string) string {
	var parts []string
	for _, o := range opts {
		if strings.HasPrefix(o, "pg_attver") {
			continue
		}
		parts = append(parts, o)
	}
	return strings.Join(parts, ", ")
}

var storageName = map[byte]string{'p': "PLAIN", 'e': "EXTERNAL", 'm': "MAIN", 'x': "EXTENDED"}

var compressionName = map[byte]string{'p': "pglz", 'l': "lz4"}
