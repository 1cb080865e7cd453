package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// loader holds the state of one Load call.
type loader struct {
	ctx context.Context
	q   Querier
	o   Options
	v   Version
	std bool
	cat *Catalog
	f   *filterSet

	objs  []*object
	byKey map[objKey]*object
	// alias redirects catalog objects that are dumped as part of another object
	// (a table's row type, an index owned by a constraint, an inline default).
	alias map[objKey]objKey

	// extMember marks objects that belong to an extension (not dumped).
	extMember map[objKey]bool
	ns        map[uint32]*nsInfo
	rels      map[uint32]*relInfo
	comments  map[objKey]map[int32]string
	labels    map[objKey]map[int32][]secLabel
	// seqOwner maps an owned (serial) sequence to its table column.
	seqOwner   map[uint32]seqOwnerInfo
	domainCons map[uint32][]*conInfo
	depRows    []depRow
	dbEntries  []*Entry
	anon       uint32
	// fks are (referencing, referenced) table pairs of foreign keys.
	fks [][2]uint32
	// baseTypes are the dumped user-defined base types.
	baseTypes []baseType
	// extConfig maps the configuration tables of dumped extensions to their
	// row filter.
	extConfig map[uint32]string
	// fkCons are the dumped foreign keys; indexChildren maps a partitioned
	// index to the indexes of its partitions (attached).
	fkCons        []*conInfo
	indexChildren map[uint32][]uint32
}

type nsInfo struct {
	oid   uint32
	name  string
	owner string
	acl   *string
	dump  bool // objects in it are dumped
}

type seqOwnerInfo struct {
	table    uint32
	attnum   int16
	identity bool
}

// Load reads the schema of the connected database through q (normally a
// REPEATABLE READ transaction) and returns its TOC entries in pg_dump order.
//
// It sets the session's search_path to the empty string so that deparsed
// definitions are schema-qualified. Reading each sequence's state takes an
// AccessShareLock on it until the transaction ends (as pg_dump does), so the
// server's lock table must hold one lock per dumped sequence.
func Load(ctx context.Context, q Querier, o Options) (*Catalog, error) {
	if o.SchemaOnly && o.DataOnly {
		return nil, fmt.Errorf("catalog: SchemaOnly and DataOnly are mutually exclusive")
	}
	f, err := compileFilter(o.Filter)
	if err != nil {
		return nil, fmt.Errorf("catalog: filter: %w", err)
	}
	l := &loader{ctx: ctx, q: q, o: o, f: f, cat: &Catalog{},
		byKey: map[objKey]*object{}, alias: map[objKey]objKey{}, extMember: map[objKey]bool{},
		ns: map[uint32]*nsInfo{}, rels: map[uint32]*relInfo{}, comments: map[objKey]map[int32]string{}, labels: map[objKey]map[int32][]secLabel{},
		seqOwner: map[uint32]seqOwnerInfo{}, extConfig: map[uint32]string{}, indexChildren: map[uint32][]uint32{}}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"server settings", l.loadSettings},
		{"database", l.loadDatabase},
		{"extension members", l.loadExtMembers},
		{"comments", l.loadComments},
		{"security labels", l.loadSecurityLabels},
		{"schemas", l.loadSchemas},
		{"extensions", l.loadExtensions},
		{"relations", l.loadRelations},
		{"columns", l.loadColumns},
		{"foreign tables", l.loadForeignTables},
		{"foreign data", l.loadForeign},
		{"event triggers", l.loadEventTriggers},
		{"sequences", l.loadSequences},
		{"constraints", l.loadConstraints},
		{"types", l.loadTypes},
		{"base types", l.loadBaseTypes},
		{"languages", l.loadLanguages},
		{"functions", l.loadFunctions},
		{"aggregates", l.loadAggregates},
		{"collations", l.loadCollations},
		{"text search parsers and templates", l.loadTSParsersTemplates},
		{"text search", l.loadTextSearch},
		{"conversions", l.loadConversions},
		{"operators", l.loadOperators},
		{"operator classes", l.loadOpclasses},
		{"casts", l.loadCasts},
		{"transforms", l.loadTransforms},
		{"access methods", l.loadAccessMethods},
		{"indexes", l.loadIndexes},
		{"views", l.loadViewDefs},
		{"triggers", l.loadTriggers},
		{"rules", l.loadRules},
		{"statistics", l.loadStatistics},
		{"publications", l.loadPublications},
		{"subscriptions", l.loadSubscriptions},
		{"policies", l.loadPolicies},
		{"default privileges", l.loadDefaultACLs},
		{"large objects", l.loadLargeObjects},
		{"dependencies", l.loadDepends},
		{"relation entries", l.buildRelations},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("catalog: load %s: %w", s.name, err)
		}
	}
	l.linkDepends()
	l.fkAttachDeps()
	l.rewireShellTypes()
	l.applyOptions()
	l.addBoundaries()
	l.finish(l.order())
	return l.cat, nil
}

func (l *loader) loadSettings() error {
	var num int
	var std string
	err := l.queryRow(`SELECT current_setting('server_version_num')::int, current_setting('server_version'),
  current_database(), pg_catalog.pg_encoding_to_char(d.encoding), current_setting('standard_conforming_strings')
FROM pg_catalog.pg_database d WHERE d.datname = current_database()`).
		Scan(&num, &l.cat.ServerVersion, &l.cat.Database, &l.cat.Encoding, &std)
	if err != nil {
		return err
	}
	// Definitions come out schema-qualified only with an empty search_path.
	if err := l.query(`SELECT pg_catalog.set_config('search_path', '', false)`, func(pgx.Rows) error { return nil }); err != nil {
		return err
	}
	l.v = Version(num)
	if l.v.Major() < 12 {
		return fmt.Errorf("server %s is older than 12", l.cat.ServerVersion)
	}
	l.cat.Server = l.v
	l.std = std == "on"
	l.cat.StdStrings = l.std
	return nil
}

// query runs sql and calls fn for every row with the row's scanner.
func (l *loader) query(sql string, fn func(r pgx.Rows) error, args ...any) error {
	rows, err := l.q.Query(l.ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryRow runs a query returning one row and scans it into dest.
func (l *loader) queryRow(sql string) *rowScanner {
	return &rowScanner{l: l, sql: sql}
}

type rowScanner struct {
	l   *loader
	sql string
}

// Scan runs the query and scans its single row.
func (s *rowScanner) Scan(dest ...any) error {
	n := 0
	err := s.l.query(s.sql, func(r pgx.Rows) error {
		n++
		return r.Scan(dest...)
	})
	if err == nil && n != 1 {
		err = fmt.Errorf("expected one row, got %d", n)
	}
	return err
}

// add registers a dumpable object.
func (l *loader) add(o *object) *object {
	if o.key == (objKey{}) {
		l.anon++
		o.key = objKey{pseudoAnon, l.anon}
	}
	l.objs = append(l.objs, o)
	if o.key.objID != 0 || o.key.classID != 0 {
		if _, dup := l.byKey[o.key]; !dup {
			l.byKey[o.key] = o
		}
	}
	return o
}

func (l *loader) loadExtMembers() error {
	return l.query(`SELECT classid::oid, objid::oid, refobjid::oid FROM pg_catalog.pg_depend
WHERE deptype = 'e' AND refclassid = 'pg_catalog.pg_extension'::regclass`,
		func(r pgx.Rows) error {
			var k objKey
			var ext uint32
			if err := r.Scan(&k.classID, &k.objID, &ext); err != nil {
				return err
			}
			l.extMember[k] = true
			l.alias[k] = objKey{classPgExtension, ext}
			return nil
		})
}

func (l *loader) loadComments() error {
	if l.o.NoComments {
		return nil
	}
	return l.query(`SELECT classoid::oid, objoid::oid, objsubid, description FROM pg_catalog.pg_description
WHERE objoid >= 16384 OR (classoid = 'pg_catalog.pg_namespace'::regclass AND objoid = 2200)
  OR classoid = 'pg_catalog.pg_largeobject'::regclass
UNION ALL SELECT classoid::oid, objoid::oid, 0, description FROM pg_catalog.pg_shdescription
WHERE classoid = 'pg_catalog.pg_subscription'::regclass`,
		func(r pgx.Rows) error {
			var k objKey
			var sub int32
			var d string
			if err := r.Scan(&k.classID, &k.objID, &sub, &d); err != nil {
				return err
			}
			m := l.comments[k]
			if m == nil {
				m = map[int32]string{}
				l.comments[k] = m
			}
			m[sub] = d
			return nil
		})
}

// comment returns a COMMENT entry for the object, or nil. target is what follows
// COMMENT ON (e.g. "TABLE public.t"), tag the entry's tag ("TABLE t").
func (l *loader) comment(k objKey, sub int32, target, tag, ns, owner string) *Entry {
	d, ok := l.comments[k][sub]
	if !ok {
		return nil
	}
	return &Entry{Desc: "COMMENT", Section: SectionNone, Tag: tag, Namespace: ns, Owner: owner,
		Create: "COMMENT ON " + target + " IS " + quoteLiteral(d, l.std) + ";\n"}
}

// addChildren appends the object's comment and ACL entries.
func (l *loader) addComment(o *object, sub int32, target, tag, ns, owner string) {
	if e := l.comment(o.key, sub, target, tag, ns, owner); e != nil {
		o.children = append(o.children, e)
	}
	for _, sl := range l.labels[o.key][sub] {
		o.children = append(o.children, &Entry{Desc: "SECURITY LABEL", Section: SectionNone, Tag: tag, Namespace: ns, Owner: owner,
			Create: "SECURITY LABEL FOR " + quoteIdent(sl.provider) + " ON " + target + " IS " + quoteLiteral(sl.label, l.std) + ";\n"})
	}
}

// addComment2 is addComment for a comment on another catalog object than o's
// own key (o carries it).
func (l *loader) addComment2(o *object, k objKey, target, tag, ns, owner string) {
	if e := l.comment(k, 0, target, tag, ns, owner); e != nil {
		o.children = append(o.children, e)
	}
}

// secLabel is one security label of an object.
type secLabel struct{ provider, label string }

// loadSecurityLabels reads the security labels of user objects (and of
// subscriptions, which are shared) in provider order. Every object kind that
// takes a comment gets its labels as entries after the comment.
func (l *loader) loadSecurityLabels() error {
	if l.o.NoSecurityLabels {
		return nil
	}
	return l.query(`SELECT classoid::oid, objoid::oid, objsubid, provider, label FROM pg_catalog.pg_seclabel
WHERE objoid >= 16384 OR (classoid = 'pg_catalog.pg_namespace'::regclass AND objoid = 2200)
UNION ALL SELECT classoid::oid, objoid::oid, 0, provider, label FROM pg_catalog.pg_shseclabel
WHERE classoid = 'pg_catalog.pg_subscription'::regclass
ORDER BY 1, 2, 3, 4`, func(r pgx.Rows) error {
		var k objKey
		var sub int32
		var sl secLabel
		if err := r.Scan(&k.classID, &k.objID, &sub, &sl.provider, &sl.label); err != nil {
			return err
		}
		m := l.labels[k]
		if m == nil {
			m = map[int32][]secLabel{}
			l.labels[k] = m
		}
		m[sub] = append(m[sub], sl)
		return nil
	})
}

func (l *loader) loadSchemas() error {
	return l.query(`SELECT n.oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner), n.nspacl::text[]::text
FROM pg_catalog.pg_namespace n`, func(r pgx.Rows) error {
		n := &nsInfo{}
		if err := r.Scan(&n.oid, &n.name, &n.owner, &n.acl); err != nil {
			return err
		}
		l.ns[n.oid] = n
		if isSystemSchema(n.name) || l.extMember[objKey{classPgNamespace, n.oid}] {
			return nil
		}
		n.dump = l.f.schemaSelected(n.name)
		if !n.dump || l.f.tablesOnly() {
			return nil
		}
		o := &object{key: objKey{classPgNamespace, n.oid}, prio: prioNamespace, sortName: n.name}
		q := quoteIdent(n.name)
		if n.name == "public" && n.oid == 2200 {
			// pg_dump 15+: initdb creates public; dump only its comment, ACL and
			// owner when they differ from the defaults.
			if l.comments[o.key][0] == "standard public schema" {
				delete(l.comments[o.key], 0)
			}
			o.entry = nil
			l.addComment(o, 0, "SCHEMA "+q, "SCHEMA "+q, "", n.owner)
			pub := "UC"
			if l.v.AtLeast(15) {
				pub = "U"
			}
			base := []aclItem{{grantee: n.owner, privs: "UC", grantor: n.owner}, {grantee: "", privs: pub, grantor: n.owner}}
			l.addACLBase(o, "SCHEMA", q, "SCHEMA "+q, "", n.owner, n.acl, 'n', base)
			if n.owner != "pg_database_owner" && l.v.AtLeast(15) {
				// An owner change is an ALTER SCHEMA on an entry without CREATE.
				o.entry = &Entry{Desc: "SCHEMA", Section: SectionPreData, Tag: n.name, Owner: n.owner,
					CatalogOID: classPgNamespace, OID: n.oid,
					Create: "-- *not* creating schema, since initdb creates it\n",
					Drop:   "-- *not* dropping schema, since initdb creates it\n"}
			}
			if o.entry == nil && len(o.children) == 0 {
				return nil
			}
			l.add(o)
			return nil
		}
		o.entry = &Entry{Desc: "SCHEMA", Section: SectionPreData, Tag: n.name, Owner: n.owner,
			CatalogOID: classPgNamespace, OID: n.oid,
			Create: "CREATE SCHEMA " + q + ";\n", Drop: "DROP SCHEMA " + q + ";\n"}
		l.addComment(o, 0, "SCHEMA "+q, "SCHEMA "+q, "", n.owner)
		l.addACL(o, "SCHEMA", q, "SCHEMA "+q, "", n.owner, n.acl, 'n', n.name)
		l.add(o)
		return nil
	})
}

func isSystemSchema(name string) bool {
	return name == "information_schema" || name == "pg_catalog" || strings.HasPrefix(name, "pg_toast") ||
		strings.HasPrefix(name, "pg_temp_")
}

// nsDumped reports whether objects in namespace oid are dumped (schema filters).
func (l *loader) nsDumped(oid uint32) bool {
	n := l.ns[oid]
	return n != nil && n.dump
}

func (l *loader) nsName(oid uint32) string {
	if n := l.ns[oid]; n != nil {
		return n.name
	}
	return ""
}

func (l *loader) loadExtensions() error {
	// Like pg_dump, schema or table patterns leave extensions out.
	if l.f.tablesOnly() || l.f.hasSchemaInclude() {
		return nil
	}
	return l.query(`SELECT x.oid, x.extname, x.extnamespace, x.extversion, pg_catalog.pg_get_userbyid(x.extowner),
  x.extconfig::oid[], x.extcondition
FROM pg_catalog.pg_extension x WHERE x.oid >= 16384`, func(r pgx.Rows) error {
		var oid, nsp uint32
		var name, ver, owner string
		var config []uint32
		var conds []string
		if err := r.Scan(&oid, &name, &nsp, &ver, &owner, &config, &conds); err != nil {
			return err
		}
		for i, t := range config {
			cond := ""
			if i < len(conds) {
				cond = conds[i]
			}
			l.extConfig[t] = cond
		}
		o := &object{key: objKey{classPgExtension, oid}, prio: prioExtension, sortName: name}
		q := quoteIdent(name)
		o.entry = &Entry{Desc: "EXTENSION", Section: SectionPreData, Tag: name, CatalogOID: classPgExtension, OID: oid,
			Create: "CREATE EXTENSION IF NOT EXISTS " + q + " WITH SCHEMA " + quoteIdent(l.nsName(nsp)) + ";\n",
			Drop:   "DROP EXTENSION " + q + ";\n"}
		l.addComment(o, 0, "EXTENSION "+q, "EXTENSION "+q, "", "")
		l.add(o)
		return nil
	})
}

// finish assigns IDs in dump order and fills the Catalog's entries.
func (l *loader) finish(objs []*object) {
	var es []*Entry
	id := 0
	push := func(e *Entry) {
		id++
		e.ID = id
		es = append(es, e)
	}
	push(&Entry{Desc: "ENCODING", Section: SectionPreData, Tag: "ENCODING",
		Create: "SET client_encoding = '" + l.cat.Encoding + "';\n"})
	std := "off"
	if l.std {
		std = "on"
	}
	push(&Entry{Desc: "STDSTRINGS", Section: SectionPreData, Tag: "STDSTRINGS",
		Create: "SET standard_conforming_strings = '" + std + "';\n"})
	push(&Entry{Desc: "SEARCHPATH", Section: SectionPreData, Tag: "SEARCHPATH",
		Create: "SELECT pg_catalog.set_config('search_path', '', false);\n"})
	for _, e := range l.databaseEntries() {
		push(e)
	}
	// First pass: IDs for every object's main entry and children.
	for _, o := range objs {
		if o.entry != nil {
			push(o.entry)
		}
		for _, c := range o.children {
			push(c)
		}
	}
	for _, o := range objs {
		var parent int
		if o.entry != nil {
			parent = o.entry.ID
			o.entry.Deps = o.entry.Deps[:0]
			for _, j := range o.after {
				if t := l.objs[j]; t.entry != nil && t.entry.ID != 0 {
					d := t.entry.ID
					o.entry.Deps = appendUnique(o.entry.Deps, d)
				}
			}
		}
		for _, c := range o.children {
			c.Deps = nil
			if parent != 0 {
				c.Deps = []int{parent}
			}
			for _, k := range o.childDeps[c] {
				if t := l.resolve(k); t != nil && t.entry != nil && t.entry.ID != 0 {
					c.Deps = appendUnique(c.Deps, t.entry.ID)
				}
			}
		}
	}
	l.cat.Entries = es
}

func appendUnique(s []int, x int) []int {
	for _, v := range s {
		if v == x {
			return s
		}
	}
	return append(s, x)
}
