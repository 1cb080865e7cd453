package catalog

import (
	"sort"
	"strings"
)

// splitLoops breaks dependency loops the way pg_dump does. A loop through a view
// is broken by first creating the view as a dummy with the right columns, its
// real definition following in post-data as a RULE entry (CREATE OR REPLACE
// VIEW). A loop through a column default or CHECK constraint printed inside
// CREATE TABLE is broken by dumping that part separately (DEFAULT in pre-data,
// CHECK CONSTRAINT in post-data). It reports whether it changed anything.
func (l *loader) splitLoops() bool {
	changed := false
	for _, scc := range stronglyConnected(l.objs) {
		if len(scc) < 2 {
			continue
		}
		in := map[int]bool{}
		for _, i := range scc {
			in[i] = true
		}
		split := false
		for _, i := range scc {
			o := l.objs[i]
			if o.entry == nil || o.entry.Desc != "VIEW" {
				continue
			}
			r := l.rels[o.key.objID]
			if r == nil || r.returnRule == 0 {
				continue
			}
			l.splitView(o, r)
			split = true
			break
		}
		if !split {
			split = l.splitTableParts(scc, in)
		}
		changed = changed || split
	}
	return changed
}

// splitTableParts dumps separately the inline defaults and CHECK constraints of
// the tables in a loop whose dependencies lead back into the loop.
func (l *loader) splitTableParts(scc []int, in map[int]bool) bool {
	changed := false
	for _, i := range scc {
		o := l.objs[i]
		if o.rel == nil || len(o.inline) == 0 {
			continue
		}
		parts := make([]objKey, 0, len(o.inline))
		for k := range o.inline {
			parts = append(parts, k)
		}
		sort.Slice(parts, func(a, b int) bool {
			if parts[a].classID != parts[b].classID {
				return parts[a].classID < parts[b].classID
			}
			return parts[a].objID < parts[b].objID
		})
		for _, part := range parts {
			refs := o.inline[part]
			loops := false
			for _, k := range refs {
				if t := l.resolve(k); t != nil && in[t.idx] {
					loops = true
				}
			}
			if loops && l.splitPart(o, part, refs) {
				changed = true
			}
		}
	}
	return changed
}

func (l *loader) splitPart(o *object, part objKey, refs []objKey) bool {
	r := o.rel
	var sep *object
	switch part.classID {
	case classPgAttrdef:
		for _, c := range r.cols {
			if c.defOID == part.objID && c.def != nil && !c.defSeparate && c.generated == 0 {
				c.defSeparate = true
				l.addDefault(r, c)
				sep = l.byKey[part]
				if pre := l.byKey[preBoundary]; pre != nil {
					pre.deps = append(pre.deps, part)
				}
			}
		}
	case classPgConstraint:
		for i, c := range r.checks {
			if c.oid == part.objID && c.isLocal {
				r.checks = append(r.checks[:i:i], r.checks[i+1:]...)
				l.addConstraintObj(r, c, "CHECK CONSTRAINT", prioConstraint, false)
				sep = c.obj
				sep.deps = append(sep.deps, postBoundary)
				break
			}
		}
	}
	if sep == nil {
		return false
	}
	sep.deps = append(sep.deps, refs...)
	for _, k := range refs {
		for j, d := range o.deps {
			if d == k {
				o.deps = append(o.deps[:j:j], o.deps[j+1:]...)
				break
			}
		}
	}
	delete(o.inline, part)
	l.tableSQL(r, o)
	return true
}

func (l *loader) splitView(o *object, r *relInfo) {
	q := r.qualified()
	var cols []string
	for _, c := range r.cols {
		cols = append(cols, "    NULL::"+c.typ+" AS "+quoteIdent(c.name))
	}
	real := strings.Replace(o.entry.Create, "CREATE VIEW ", "CREATE OR REPLACE VIEW ", 1)
	dummy := "CREATE VIEW " + q + " AS\nSELECT\n" + strings.Join(cols, ",\n") + ";\n"
	o.entry.Create = dummy
	rule := &object{key: objKey{classPgRewrite, r.returnRule}, prio: prioRule, sortNS: r.ns, sortName: "_RETURN", sortExtra: r.name}
	rule.entry = &Entry{Desc: "RULE", Section: SectionPostData, Tag: r.name + " _RETURN", Namespace: r.ns, Owner: r.owner,
		CatalogOID: classPgRewrite, OID: r.returnRule, Create: real,
		Drop: "CREATE OR REPLACE VIEW " + q + " AS\nSELECT\n" + strings.Join(cols, ",\n") + ";\n"}
	rule.deps = append([]objKey{o.key, postBoundary}, o.deps...)
	// The dummy needs only its schema and column types.
	var keep []objKey
	for _, k := range o.deps {
		if t := l.resolve(k); t != nil && (t.prio == prioNamespace || t.prio == prioType || t.prio == prioExtension ||
			t.prio == prioCollation) {
			keep = append(keep, k)
		}
	}
	o.deps = keep
	l.add(rule)
}

// stronglyConnected returns the strongly connected components of the graph
// given by the objects' after lists (Tarjan's algorithm, iterative).
func stronglyConnected(objs []*object) [][]int {
	n := len(objs)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	type frame struct{ v, edge int }
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.edge < len(objs[v].after) {
				w := objs[v].after[f.edge]
				f.edge++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				out = append(out, comp)
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				if low[v] < low[p] {
					low[p] = low[v]
				}
			}
		}
	}
	return out
}

var (
	preBoundary  = objKey{pseudoBoundary, 1}
	postBoundary = objKey{pseudoBoundary, 2}
)

// addBoundaries adds pg_dump's section boundary objects: every pre-data object
// comes before the pre-data boundary, data between the boundaries, post-data
// after the post-data boundary. A pre-data object that needs a post-data one (a
// view grouping by a primary key) then forms a loop that splitViewLoops breaks.
func (l *loader) addBoundaries() {
	pre := &object{key: preBoundary, prio: prioPreDataBoundary}
	post := &object{key: postBoundary, prio: prioPostDataBoundary, deps: []objKey{preBoundary}}
	for _, o := range l.objs {
		sec := SectionPreData
		if o.entry != nil {
			sec = o.entry.Section
		} else if o.section != 0 {
			sec = o.section
		}
		switch sec {
		case SectionData:
			o.deps = append(o.deps, preBoundary)
			post.deps = append(post.deps, o.key)
		case SectionPostData:
			o.deps = append(o.deps, postBoundary)
		default:
			pre.deps = append(pre.deps, o.key)
		}
	}
	l.add(pre)
	l.add(post)
}
