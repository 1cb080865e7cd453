package catalog

import (
	"container/heap"
	"sort"
)

// order resolves the objects' dependencies, sorts them the way pg_dump does (type
// priority, then schema and name, then a topological sort that keeps that order
// wherever dependencies allow) and returns them in dump order.
func (l *loader) order() []*object {
	sortObjects(l.objs)
	l.resolveAll()
	for i := 0; i < 10 && l.splitLoops(); i++ {
		sortObjects(l.objs)
		l.resolveAll()
	}
	// Remaining loops (foreign keys between TABLE DATA in data-only mode, …)
	// are broken by dropping, inside each loop, the dependencies on objects
	// that sort later, so that the loop's members keep their sorted places.
	for _, scc := range stronglyConnected(l.objs) {
		if len(scc) < 2 {
			continue
		}
		in := map[int]bool{}
		for _, i := range scc {
			in[i] = true
		}
		for _, i := range scc {
			o := l.objs[i]
			kept := o.after[:0]
			for _, j := range o.after {
				if !in[j] || j < i {
					kept = append(kept, j)
				}
			}
			o.after = kept
		}
	}
	return topoSort(l.objs)
}

// resolveAll numbers the objects and resolves their dependencies to indexes.
func (l *loader) resolveAll() {
	objs := l.objs
	for i, o := range objs {
		o.idx = i
	}
	for _, o := range objs {
		seen := map[int]bool{}
		o.after = o.after[:0]
		add := func(k objKey) {
			t := l.resolve(k)
			if t == nil || t == o || seen[t.idx] {
				return
			}
			seen[t.idx] = true
			o.after = append(o.after, t.idx)
		}
		if o.firstDep != nil {
			add(*o.firstDep)
		}
		for _, k := range o.deps {
			add(k)
		}
	}
}

// sortObjects sorts by priority, then schema and name, then tie-breakers.
func sortObjects(objs []*object) {
	sort.SliceStable(objs, func(a, b int) bool {
		x, y := objs[a], objs[b]
		if x.prio != y.prio {
			return x.prio < y.prio
		}
		if x.sortNS != y.sortNS && x.sortNS != "" && y.sortNS != "" {
			return x.sortNS < y.sortNS
		}
		if x.sortName != y.sortName {
			return x.sortName < y.sortName
		}
		if x.sortExtra != y.sortExtra {
			return x.sortExtra < y.sortExtra
		}
		if x.key.classID != y.key.classID {
			return x.key.classID < y.key.classID
		}
		return x.key.objID < y.key.objID
	})
}

// resolve maps a catalog object to the dumped object standing for it.
func (l *loader) resolve(k objKey) *object {
	for i := 0; i < 4; i++ {
		if o, ok := l.byKey[k]; ok {
			return o
		}
		a, ok := l.alias[k]
		if !ok {
			return nil
		}
		k = a
	}
	return nil
}

type idxHeap []int

func (h idxHeap) Len() int           { return len(h) }
func (h idxHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h idxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *idxHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *idxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// topoSort orders objs (already in preferred order, idx = position) so that every
// object follows its dependencies, placing from the end the last ready object like
// pg_dump's TopoSort. Dependency loops are broken by dropping one edge of the loop.
func topoSort(objs []*object) []*object {
	n := len(objs)
	count := make([]int, n)        // remaining dependents of each object
	dependents := make([][]int, n) // reverse edges
	for i, o := range objs {
		for _, j := range o.after {
			count[j]++
			dependents[j] = append(dependents[j], i)
		}
	}
	placed := make([]bool, n)
	out := make([]*object, n)
	h := &idxHeap{}
	for i := range objs {
		if count[i] == 0 {
			*h = append(*h, i)
		}
	}
	heap.Init(h)
	pos := n
	for pos > 0 {
		if h.Len() == 0 {
			breakLoop(objs, placed, count, dependents, h)
			continue
		}
		k := heap.Pop(h).(int)
		placed[k] = true
		pos--
		out[pos] = objs[k]
		for _, j := range objs[k].after {
			count[j]--
			if count[j] == 0 {
				heap.Push(h, j)
			}
		}
	}
	return out
}

// breakLoop finds a dependency loop among the unplaced objects and removes the
// edge whose dependency sorts last, making at least one object ready.
func breakLoop(objs []*object, placed []bool, count []int, dependents [][]int, h *idxHeap) {
	start := -1
	for i := len(objs) - 1; i >= 0; i-- {
		if !placed[i] {
			start = i
			break
		}
	}
	if start < 0 {
		return
	}
	// Walk dependents (all unplaced objects have an unplaced dependent) until a
	// node repeats; the walk from its first visit is a loop.
	visitedAt := map[int]int{}
	var path []int
	x := start
	for {
		if p, ok := visitedAt[x]; ok {
			path = path[p:]
			break
		}
		visitedAt[x] = len(path)
		path = append(path, x)
		next := -1
		for _, d := range dependents[x] {
			if !placed[d] && contains(objs[d].after, x) {
				next = d
				break
			}
		}
		if next < 0 { // should not happen; free x
			count[x] = 0
			heap.Push(h, x)
			return
		}
		x = next
	}
	// path[i+1] depends on path[i]; drop the edge whose dependency has the
	// highest index.
	best := 0
	for i := range path {
		if path[i] > path[best] {
			best = i
		}
	}
	dep := path[best]
	dependent := path[(best+1)%len(path)]
	objs[dependent].after = remove(objs[dependent].after, dep)
	count[dep]--
	if count[dep] == 0 {
		heap.Push(h, dep)
	}
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func remove(s []int, x int) []int {
	out := s[:0]
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
