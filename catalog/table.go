package catalog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// relInfo is one relation (table, view, materialized view, sequence, foreign
// table) read from pg_class.
type relInfo struct {
	oid         uint32
	nsp         uint32
	ns, name    string
	owner       string
	kind        byte
	persistence byte
	reloptions  []string
	toastOpts   []string
	tablespace  string
	am          string
	acl         *string
	isPartition bool
	partBound   *string
	partKey     *string
	ofType      *string
	rowSecurity bool
	forceRLS    bool
	replIdent   byte
	relPages    int64
	relTuples   float64
	bytes       int64
	populated   bool
	parents     []uint32

	cols    []*colInfo
	checks  []*conInfo // CHECK constraints printed inside CREATE TABLE
	notNull map[int16]*conInfo
	seq     *seqInfo
	viewDef string
	// ftServer and ftOptions describe a foreign table.
	ftServer  string
	ftOptions []string
	// returnRule is the view's _RETURN rule.
	returnRule uint32

	dump     bool // definition dumped
	dumpData bool
	obj      *object
	// extConfig is the extension config condition when this is a config table.
	extConfig *string
}

type colInfo struct {
	num        int16
	name       string
	typ        string
	notNull    bool
	def        *string
	defOID     uint32
	identity   byte
	generated  byte
	isLocal    bool
	inhCount   int
	collation  *string
	storage    byte
	typStorage byte
	statTarget int
	options    []string
	compress   byte
	acl        *string
	fdwOptions []string
	// defSeparate: the default is dumped as its own DEFAULT entry.
	defSeparate bool
}

func (r *relInfo) qualified() string { return qualify(r.ns, r.name) }

func (l *loader) loadRelations() error {
	am := "''"
	if l.v.AtLeast(12) {
		am = "coalesce((SELECT a.amname FROM pg_catalog.pg_am a WHERE a.oid = c.relam), '')"
	}
	sql := `SELECT c.oid, c.relnamespace, c.relname, pg_catalog.pg_get_userbyid(c.relowner), c.relkind::text,
  c.relpersistence::text, c.reloptions::text[], t.reloptions::text[],
  coalesce((SELECT s.spcname FROM pg_catalog.pg_tablespace s WHERE s.oid = c.reltablespace), ''), ` + am + `,
  c.relacl::text, c.relispartition, pg_catalog.pg_get_expr(c.relpartbound, c.oid),
  CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
  CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END,
  c.relrowsecurity, c.relforcerowsecurity, c.relreplident::text, c.relpages::int8, c.reltuples::float8,
  CASE WHEN c.relkind IN ('r', 'm') THEN c.relpages::int8 * current_setting('block_size')::int8 ELSE 0 END, c.relispopulated,
  (SELECT pg_catalog.array_agg(i.inhparent ORDER BY i.inhseqno) FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid)::oid[]
FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname <> 'information_schema'
  AND n.nspname !~ '^pg_(catalog$|toast|temp_)'`
	err := l.query(sql, func(row pgx.Rows) error {
		r := &relInfo{}
		var kind, pers, repl string
		if err := row.Scan(&r.oid, &r.nsp, &r.name, &r.owner, &kind, &pers, &r.reloptions, &r.toastOpts,
			&r.tablespace, &r.am, &r.acl, &r.isPartition, &r.partBound, &r.partKey, &r.ofType,
			&r.rowSecurity, &r.forceRLS, &repl, &r.relPages, &r.relTuples, &r.bytes, &r.populated, &r.parents); err != nil {
			return err
		}
		r.kind, r.persistence, r.replIdent = kind[0], pers[0], repl[0]
		r.ns = l.nsName(r.nsp)
		k := objKey{classPgClass, r.oid}
		if l.extMember[k] {
			// An extension's configuration table: its data is dumped.
			if cond, ok := l.extConfig[r.oid]; ok && r.kind == 'r' && !l.o.SchemaOnly && !l.f.dataExcluded(r.ns, r.name) {
				r.extConfig = &cond
				r.dumpData = true
				l.rels[r.oid] = r
			}
			return nil
		}
		l.rels[r.oid] = r
		r.dump = l.nsDumped(r.nsp) && l.f.tableSelected(r.ns, r.name, r.kind)
		r.dumpData = r.dump && (r.kind == 'r') && !l.f.dataExcluded(r.ns, r.name)
		return nil
	})
	if err != nil {
		return err
	}
	// No pg_relation_size here: it locks each table, and the dump takes its locks
	// (with the lock wait timeout, naming the table) after Load; it reads the real
	// sizes then.
	return nil
}

func (l *loader) loadColumns() error {
	stat := "a.attstattarget::int"
	if l.v.AtLeast(17) {
		stat = "coalesce(a.attstattarget::int, -1)"
	}
	compress := "''"
	if l.v.AtLeast(14) {
		compress = "a.attcompression::text"
	}
	sql := `SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
  pg_catalog.pg_get_expr(d.adbin, d.adrelid), coalesce(d.oid, 0), a.attidentity::text, a.attgenerated::text,
  a.attislocal, a.attinhcount::int,
  CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN
    (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
     FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
  a.attstorage::text, t.typstorage::text, ` + stat + `, a.attoptions::text[], ` + compress + `, a.attacl::text, a.attfdwoptions::text[]
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(catalog$|toast|temp_)'
ORDER BY a.attrelid, a.attnum`
	return l.query(sql, func(row pgx.Rows) error {
		c := &colInfo{}
		var rel uint32
		var ident, gen, storage, typStorage, comp string
		if err := row.Scan(&rel, &c.num, &c.name, &c.typ, &c.notNull, &c.def, &c.defOID, &ident, &gen,
			&c.isLocal, &c.inhCount, &c.collation, &storage, &typStorage, &c.statTarget, &c.options, &comp,
			&c.acl, &c.fdwOptions); err != nil {
			return err
		}
		c.identity, c.generated = firstByte(ident), firstByte(gen)
		c.storage, c.typStorage, c.compress = firstByte(storage), firstByte(typStorage), firstByte(comp)
		if r := l.rels[rel]; r != nil {
			r.cols = append(r.cols, c)
		}
		return nil
	})
}

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// seqInfo is a sequence's parameters and state.
type seqInfo struct {
	typ                         string
	start, inc, max, min, cache int64
	cycle                       bool
	last                        int64
	called                      bool
	ownedBy                     *seqOwnerInfo
}

func (l *loader) loadSequences() error {
	err := l.query(`SELECT s.seqrelid, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax,
  s.seqmin, s.seqcache, s.seqcycle FROM pg_catalog.pg_sequence s`, func(row pgx.Rows) error {
		s := &seqInfo{}
		var oid uint32
		if err := row.Scan(&oid, &s.typ, &s.start, &s.inc, &s.max, &s.min, &s.cache, &s.cycle); err != nil {
			return err
		}
		if r := l.rels[oid]; r != nil && r.kind == 'S' {
			r.seq = s
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Owned-by and identity links.
	err = l.query(`SELECT d.objid, d.refobjid, d.refobjsubid::int2, d.deptype = 'i' FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class c ON c.oid = d.objid AND c.relkind = 'S'
WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0`, func(row pgx.Rows) error {
		var seq uint32
		var o seqOwnerInfo
		if err := row.Scan(&seq, &o.table, &o.attnum, &o.identity); err != nil {
			return err
		}
		l.seqOwner[seq] = o
		if r := l.rels[seq]; r != nil && r.seq != nil {
			oc := o
			r.seq.ownedBy = &oc
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Sequences owned by a dumped table are dumped with it (pg_dump -t).
	for _, r := range l.rels {
		if r.kind != 'S' || r.seq == nil || r.seq.ownedBy == nil || r.dump {
			continue
		}
		if t := l.rels[r.seq.ownedBy.table]; t != nil && t.dump && l.nsDumped(r.nsp) {
			r.dump = true
		}
	}
	// State (last_value, is_called), read from the relations in batches.
	var seqs []*relInfo
	for _, r := range l.rels {
		if r.kind == 'S' && r.dump && r.seq != nil && !l.o.SchemaOnly {
			seqs = append(seqs, r)
		}
	}
	for start := 0; start < len(seqs); start += 500 {
		end := min(start+500, len(seqs))
		var parts []string
		for _, r := range seqs[start:end] {
			parts = append(parts, fmt.Sprintf("SELECT %d::oid, last_value, is_called FROM %s", r.oid, r.qualified()))
		}
		err := l.query(strings.Join(parts, " UNION ALL "), func(row pgx.Rows) error {
			var oid uint32
			var last int64
			var called bool
			if err := row.Scan(&oid, &last, &called); err != nil {
				return err
			}
			if r := l.rels[oid]; r != nil && r.seq != nil {
				r.seq.last, r.seq.called = last, called
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read sequence values: %w", err)
		}
	}
	return nil
}

// typeLimits returns the min and max of a sequence type.
func typeLimits(typ string) (int64, int64) {
	switch typ {
	case "smallint":
		return -32768, 32767
	case "integer":
		return -2147483648, 2147483647
	}
	return -9223372036854775808, 9223372036854775807
}

// seqOptions renders the sequence options the way pg_dump does, each line
// prefixed by indent.
func seqOptions(s *seqInfo, withType bool, indent string) string {
	var b strings.Builder
	if withType && s.typ != "bigint" {
		b.WriteString(indent + "AS " + s.typ + "\n")
	}
	b.WriteString(indent + "START WITH " + strconv.FormatInt(s.start, 10) + "\n")
	b.WriteString(indent + "INCREMENT BY " + strconv.FormatInt(s.inc, 10) + "\n")
	tmin, tmax := typeLimits(s.typ)
	defMin, defMax := int64(1), tmax
	if s.inc < 0 {
		defMin, defMax = tmin, -1
	}
	if s.min == defMin {
		b.WriteString(indent + "NO MINVALUE\n")
	} else {
		b.WriteString(indent + "MINVALUE " + strconv.FormatInt(s.min, 10) + "\n")
	}
	if s.max == defMax {
		b.WriteString(indent + "NO MAXVALUE\n")
	} else {
		b.WriteString(indent + "MAXVALUE " + strconv.FormatInt(s.max, 10) + "\n")
	}
	b.WriteString(indent + "CACHE " + strconv.FormatInt(s.cache, 10))
	if s.cycle {
		b.WriteString("\n" + indent + "CYCLE")
	}
	return b.String()
}
