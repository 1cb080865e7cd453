package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// Diff kinds.
const (
	KindSchema   = "schema"
	KindPgDump   = "pg_dump"
	KindData     = "data"
	KindSequence = "sequence"
	KindLOB      = "lob"
)

// Absent is the A or B value of a Diff whose object exists on one side only.
const Absent = "(absent)"

// Diff is one difference between database A and database B.
type Diff struct {
	Kind   string // KindSchema, KindPgDump, KindData, KindSequence or KindLOB
	Object string // e.g. `column public."T".a default`, `table public.t`, or a pg_dump context line
	A, B   string // the value on each side; Absent when the object is missing there
}

// String renders the difference on one line, or with -/+ lines for multi-line values.
func (d Diff) String() string {
	if !strings.Contains(d.A, "\n") && !strings.Contains(d.B, "\n") {
		return fmt.Sprintf("%s: %s: a=%s b=%s", d.Kind, d.Object, quoteShort(d.A), quoteShort(d.B))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s:", d.Kind, d.Object)
	for _, h := range lineDiff(splitLines(d.A), splitLines(d.B)) {
		for _, l := range h.a {
			b.WriteString("\n    - " + l)
		}
		for _, l := range h.b {
			b.WriteString("\n    + " + l)
		}
	}
	return b.String()
}

func quoteShort(s string) string {
	if s == Absent {
		return s
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func splitLines(s string) []string {
	if s == "" || s == Absent {
		return nil
	}
	return strings.Split(s, "\n")
}

// CompareOptions selects what to ignore. The zero value compares everything.
type CompareOptions struct {
	// IgnoreOwner drops owners (for a restore with --no-owner). ACLs are always
	// compared relative to the owner, so they still compare equal.
	IgnoreOwner bool
	// IgnoreACL drops ACLs and default privileges (for a restore with --no-acl).
	IgnoreACL bool
	// IgnoreComments drops comments (for --no-comments).
	IgnoreComments bool
	// SkipPgDump skips the pg_dump text comparison; the fingerprint still runs.
	SkipPgDump bool
	// Ignore drops schema differences whose Object (e.g. `^table public\.t comment$`)
	// matches, and pg_dump hunks whose every line, or whose Object, matches.
	Ignore []*regexp.Regexp
}

// Compare reports every difference between a and b: schema, pg_dump text, data,
// sequences and large objects. Both may be on different servers and majors.
func Compare(ctx context.Context, a, b *DB) ([]Diff, error) {
	return CompareWith(ctx, a, b, CompareOptions{})
}

// CompareSchema reports schema differences (fingerprint and pg_dump text).
func CompareSchema(ctx context.Context, a, b *DB) ([]Diff, error) {
	return compare(ctx, a, b, CompareOptions{}, true, false)
}

// CompareData reports data, sequence and large-object differences.
func CompareData(ctx context.Context, a, b *DB) ([]Diff, error) {
	return compare(ctx, a, b, CompareOptions{}, false, true)
}

// CompareWith is Compare with options.
func CompareWith(ctx context.Context, a, b *DB, o CompareOptions) ([]Diff, error) {
	return compare(ctx, a, b, o, true, true)
}

// snapshot is what one side contributes to a comparison.
type snapshot struct {
	major   int
	catalog []fpEntry
	data    map[string]string // "table x" → rows and hash
	seqs    map[string]string
	lobs    map[string]string
	dump    []string
}

func compare(ctx context.Context, a, b *DB, o CompareOptions, schema, data bool) ([]Diff, error) {
	var sa, sb snapshot
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return sa.read(gctx, a, schema, data) })
	g.Go(func() error { return sb.read(gctx, b, schema, data) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var diffs []Diff
	if schema {
		diffs = append(diffs, compareCatalog(sa, sb, o)...)
		if !o.SkipPgDump {
			da, db, err := pgDumpBoth(ctx, a, b, sa.major, sb.major, o)
			if err != nil {
				return nil, err
			}
			diffs = append(diffs, dumpDiffs(da, db, o)...)
		}
	}
	if data {
		diffs = append(diffs, compareMaps(KindData, sa.data, sb.data)...)
		diffs = append(diffs, compareMaps(KindSequence, sa.seqs, sb.seqs)...)
		diffs = append(diffs, compareMaps(KindLOB, sa.lobs, sb.lobs)...)
	}
	return diffs, nil
}

func (s *snapshot) read(ctx context.Context, d *DB, schema, data bool) error {
	conn, major, err := connect(ctx, d)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	s.major = major
	if schema {
		if s.catalog, err = catalogEntries(ctx, conn, major); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	if data {
		if err := s.readData(ctx, conn); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	return nil
}

// pgDumpBoth runs the installed pg_dump on both databases concurrently, or returns
// nil texts when it cannot dump the servers (pg_dump refuses newer servers) or they
// are on different majors: pg_dump prints objects differently per server major
// (multirange names, procedure argument modes), which the fingerprint normalises.
func pgDumpBoth(ctx context.Context, a, b *DB, ma, mb int, o CompareOptions) ([]string, []string, error) {
	cm := ClientMajor()
	if cm == 0 || cm < ma || cm < mb || ma != mb {
		return nil, nil, nil
	}
	var da, db []string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { da, err = pgDumpSchema(gctx, a, o); return })
	g.Go(func() (err error) { db, err = pgDumpSchema(gctx, b, o); return })
	return da, db, g.Wait()
}

var dumpNoise = regexp.MustCompile(`^(--|\\restrict |\\unrestrict )`)

// pgDumpSchema runs pg_dump --schema-only and returns its normalised lines.
func pgDumpSchema(ctx context.Context, d *DB, o CompareOptions) ([]string, error) {
	dir, err := ClientBinDir()
	if err != nil {
		return nil, err
	}
	args := []string{"--schema-only", "--dbname", d.ConnString()}
	if o.IgnoreOwner {
		args = append(args, "--no-owner")
	}
	if o.IgnoreACL {
		args = append(args, "--no-acl")
	}
	if o.IgnoreComments {
		args = append(args, "--no-comments")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "pg_dump"), args...)
	cmd.Env = d.Server.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("pg_dump %s: %w: %s", d.Name, err, stderr.String())
	}
	// The database name only shows in statements on the database itself; replacing
	// it elsewhere would also hit a column that happens to share the name.
	nameRe := regexp.MustCompile(`(^|[^A-Za-z0-9_$"])(` + regexp.QuoteMeta(pgx.Identifier{d.Name}.Sanitize()) +
		`|` + regexp.QuoteMeta(d.Name) + `)($|[^A-Za-z0-9_$"])`)
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) == "" || dumpNoise.MatchString(l) {
			continue
		}
		if strings.Contains(l, " DATABASE ") || strings.HasPrefix(l, "\\connect ") {
			l = nameRe.ReplaceAllString(l, "${1}<db>${3}")
		}
		lines = append(lines, l)
	}
	return lines, nil
}

func ignored(o CompareOptions, obj string) bool {
	for _, re := range o.Ignore {
		if re.MatchString(obj) {
			return true
		}
	}
	return false
}

// compareCatalog diffs two fingerprints. An object missing on one side is one Diff
// (its attributes are not listed one by one).
func compareCatalog(sa, sb snapshot, o CompareOptions) []Diff {
	oldest := min(sa.major, sb.major)
	group := func(es []fpEntry, major int) map[string]map[string]string {
		m := map[string]map[string]string{}
		for _, e := range es {
			if oldest < 17 && major >= 17 && e.attr == "acl" {
				// 17 added MAINTAIN to the owner's default privileges on relations.
				e.val = removeItem(e.val, "=owner:MAINTAIN/=owner")
			}
			if e.newer > oldest ||
				(o.IgnoreOwner && e.attr == "owner") ||
				(o.IgnoreACL && (e.attr == "acl" || strings.HasPrefix(e.obj, "default privileges "))) ||
				(o.IgnoreComments && e.attr == "comment") {
				continue
			}
			if m[e.obj] == nil {
				m[e.obj] = map[string]string{}
			}
			m[e.obj][e.attr] = e.val
		}
		return m
	}
	ga, gb := group(sa.catalog, sa.major), group(sb.catalog, sb.major)
	var diffs []Diff
	for _, obj := range unionKeys(ga, gb) {
		if ignored(o, obj) {
			continue
		}
		oa, ob := ga[obj], gb[obj]
		switch {
		case oa == nil:
			diffs = append(diffs, Diff{Kind: KindSchema, Object: obj, A: Absent, B: summary(ob)})
		case ob == nil:
			diffs = append(diffs, Diff{Kind: KindSchema, Object: obj, A: summary(oa), B: Absent})
		default:
			for _, attr := range unionKeys(oa, ob) {
				va, okA := oa[attr]
				vb, okB := ob[attr]
				if okA && okB && va == vb {
					continue
				}
				if !okA {
					va = Absent
				}
				if !okB {
					vb = Absent
				}
				if !ignored(o, obj+" "+attr) {
					diffs = append(diffs, Diff{Kind: KindSchema, Object: obj + " " + attr, A: va, B: vb})
				}
			}
		}
	}
	return diffs
}

// removeItem removes item from a comma-separated list.
func removeItem(list, item string) string {
	parts := strings.Split(list, ",")
	out := parts[:0]
	for _, p := range parts {
		if p != item {
			out = append(out, p)
		}
	}
	return strings.Join(out, ",")
}

// summary describes an object present on one side only by its most telling attribute.
func summary(attrs map[string]string) string {
	for _, k := range []string{"definition", "type", "kind", "version", "owner", "acl", "member"} {
		if v, ok := attrs[k]; ok {
			return k + ": " + v
		}
	}
	for _, k := range unionKeys(attrs, nil) {
		return k + ": " + attrs[k]
	}
	return "present"
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var keys []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func compareMaps(kind string, a, b map[string]string) []Diff {
	var diffs []Diff
	for _, k := range unionKeys(a, b) {
		va, okA := a[k]
		vb, okB := b[k]
		if okA && okB && va == vb {
			continue
		}
		if !okA {
			va = Absent
		}
		if !okB {
			vb = Absent
		}
		diffs = append(diffs, Diff{Kind: kind, Object: k, A: va, B: vb})
	}
	return diffs
}

// dumpDiffs turns a line diff of two pg_dump texts into one Diff per hunk, named by
// the statement line the hunk is in.
func dumpDiffs(a, b []string, o CompareOptions) []Diff {
	var diffs []Diff
	for _, h := range lineDiff(a, b) {
		ctx := "start of dump"
		for i := h.aStart - 1; i >= 0; i-- {
			if l := a[i]; l[0] != ' ' && l[0] != '\t' && l[0] != ')' {
				ctx = l
				break
			}
		}
		obj := fmt.Sprintf("line %d near %q", h.aStart+1, truncate(ctx, 120))
		if ignored(o, obj) || allIgnored(o, h.a, h.b) {
			continue
		}
		d := Diff{Kind: KindPgDump, Object: obj, A: strings.Join(h.a, "\n"), B: strings.Join(h.b, "\n")}
		if d.A == "" {
			d.A = Absent
		}
		if d.B == "" {
			d.B = Absent
		}
		diffs = append(diffs, d)
	}
	return diffs
}

// allIgnored reports whether every line of a pg_dump hunk matches an Ignore pattern.
func allIgnored(o CompareOptions, a, b []string) bool {
	if len(o.Ignore) == 0 {
		return false
	}
	for _, l := range append(append([]string(nil), a...), b...) {
		if !ignored(o, l) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// hunk is a run of lines a[aStart:aStart+len(a)] replaced by b.
type hunk struct {
	aStart int
	a, b   []string
}

// lineDiff returns the hunks turning a into b: common prefix and suffix are
// stripped, the middle is diffed by LCS when small enough, else as one hunk.
func lineDiff(a, b []string) []hunk {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	if len(ma) == 0 && len(mb) == 0 {
		return nil
	}
	if len(ma)*len(mb) > 4_000_000 {
		return []hunk{{aStart: p, a: ma, b: mb}}
	}
	// lcs[i][j] = LCS length of ma[i:], mb[j:]
	w := len(mb) + 1
	lcs := make([]int32, (len(ma)+1)*w)
	for i := len(ma) - 1; i >= 0; i-- {
		for j := len(mb) - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var hunks []hunk
	var cur *hunk
	flush := func() {
		if cur != nil {
			hunks = append(hunks, *cur)
			cur = nil
		}
	}
	i, j := 0, 0
	for i < len(ma) || j < len(mb) {
		switch {
		case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
			flush()
			i, j = i+1, j+1
		case j < len(mb) && (i == len(ma) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
			if cur == nil {
				cur = &hunk{aStart: p + i}
			}
			cur.b = append(cur.b, mb[j])
			j++
		default:
			if cur == nil {
				cur = &hunk{aStart: p + i}
			}
			cur.a = append(cur.a, ma[i])
			i++
		}
	}
	flush()
	return hunks
}

// readData hashes every table, reads sequence states and large-object contents,
// in one REPEATABLE READ READ ONLY transaction.
func (s *snapshot) readData(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only

	type rel struct{ kind, name string }
	var tables, seqs []rel
	rows, err := tx.Query(ctx, `
SELECT c.relkind::text, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind IN ('r', 'S') OR (c.relkind = 'm' AND c.relispopulated))
  AND `+userNS("n")+`
  -- extension members are recreated by CREATE EXTENSION, but the rows of their
  -- configuration tables are dumped
  AND (`+notExt("pg_class", "c.oid")+` OR c.oid IN (SELECT pg_catalog.unnest(x.extconfig) FROM pg_catalog.pg_extension x))
ORDER BY 2`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.kind, &r.name); err != nil {
			rows.Close()
			return fmt.Errorf("list tables: %w", err)
		}
		if r.kind == "S" {
			seqs = append(seqs, r)
		} else {
			tables = append(tables, r)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list tables: %w", err)
	}

	// One batch, one round trip: a query per table, as text results.
	s.data = map[string]string{}
	s.seqs = map[string]string{}
	batch := &pgx.Batch{}
	for _, t := range tables {
		batch.Queue(`SELECT pg_catalog.count(*)::text || ' rows, hash ' ||
  coalesce(pg_catalog.sum(('x' || pg_catalog.substr(h, 1, 16))::bit(64)::bigint::numeric), 0)::text || ' ' ||
  coalesce(pg_catalog.sum(('x' || pg_catalog.substr(h, 17, 16))::bit(64)::bigint::numeric), 0)::text
FROM (SELECT pg_catalog.md5(ROW(r.*)::text) AS h FROM ONLY ` + t.name + ` r) x`)
	}
	for _, q := range seqs {
		batch.Queue(`SELECT 'last_value ' || last_value::text || ', is_called ' || is_called::text FROM ` + q.name)
	}
	br := tx.SendBatch(ctx, batch)
	read := func(name string, into map[string]string, key string) error {
		var v string
		if err := br.QueryRow().Scan(&v); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		into[key] = v
		return nil
	}
	for _, t := range tables {
		kind := "table "
		if t.kind == "m" {
			kind = "materialized view "
		}
		if err := read(t.name, s.data, kind+t.name); err != nil {
			br.Close()
			return err
		}
	}
	for _, q := range seqs {
		if err := read(q.name, s.seqs, "sequence "+q.name); err != nil {
			br.Close()
			return err
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("read tables: %w", err)
	}

	s.lobs = map[string]string{}
	rows, err = tx.Query(ctx, `
SELECT l.oid::text, pg_catalog.octet_length(c.v)::text || ' bytes, md5 ' || pg_catalog.md5(c.v)
FROM pg_catalog.pg_largeobject_metadata l CROSS JOIN LATERAL (SELECT pg_catalog.lo_get(l.oid) AS v) c`,
		pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return fmt.Errorf("read large objects: %w", err)
	}
	for rows.Next() {
		var oid, v string
		if err := rows.Scan(&oid, &v); err != nil {
			rows.Close()
			return fmt.Errorf("read large objects: %w", err)
		}
		s.lobs["large object "+oid] = v
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read large objects: %w", err)
	}
	return nil
}

// maxReportLines caps what the Assert helpers print.
const maxReportLines = 50

// AssertSameDB fails t, listing the differences, unless a and b have the same
// schema, data, sequences and large objects.
func AssertSameDB(t testing.TB, a, b *DB) {
	t.Helper()
	AssertSameDBWith(t, a, b, CompareOptions{})
}

// AssertSameDBWith is AssertSameDB with options.
func AssertSameDBWith(t testing.TB, a, b *DB, o CompareOptions) {
	t.Helper()
	diffs, err := CompareWith(t.Context(), a, b, o)
	report(t, a, b, diffs, err)
}

// AssertSameSchema fails t unless a and b have the same schema.
func AssertSameSchema(t testing.TB, a, b *DB) {
	t.Helper()
	diffs, err := CompareSchema(t.Context(), a, b)
	report(t, a, b, diffs, err)
}

// AssertSameData fails t unless a and b have the same data, sequences and large objects.
func AssertSameData(t testing.TB, a, b *DB) {
	t.Helper()
	diffs, err := CompareData(t.Context(), a, b)
	report(t, a, b, diffs, err)
}

func report(t testing.TB, a, b *DB, diffs []Diff, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("pgtest: compare %s with %s: %v", a.Name, b.Name, err)
	}
	if len(diffs) == 0 {
		return
	}
	t.Errorf("pgtest: %s (a, PostgreSQL %d) and %s (b, PostgreSQL %d) differ:\n%s",
		a.Name, a.Server.Major, b.Name, b.Server.Major, FormatDiffs(diffs, maxReportLines))
}

// FormatDiffs renders diffs one per line (multi-line ones as -/+ lines), stopping
// after about maxLines lines with a count of what was left out.
func FormatDiffs(diffs []Diff, maxLines int) string {
	var b strings.Builder
	lines := 0
	for i, d := range diffs {
		s := d.String()
		n := strings.Count(s, "\n") + 1
		if lines > 0 && lines+n > maxLines {
			fmt.Fprintf(&b, "… and %d more differences", len(diffs)-i)
			break
		}
		if n > maxLines {
			s = strings.Join(strings.SplitN(s, "\n", maxLines)[:maxLines-1], "\n") + "\n    …"
			n = maxLines
		}
		b.WriteString(s + "\n")
		lines += n
	}
	return strings.TrimSuffix(b.String(), "\n")
}
