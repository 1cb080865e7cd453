package restore

import (
	"container/heap"
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/pgstow/pgstow/format"
)

// node is one job in the parallel phase.
type node struct {
	j          *job
	waiting    int     // unfinished dependencies
	dependents []*node // nodes waiting for this one
	subs       int     // work items still to finish (chunks), 1 otherwise
	items      []*item
	class      int
	size       int64
	tables     map[int]bool // tables the entry depends on
	locks      map[int]bool // tables it must not share with other entries (non-INDEX post-data)
	failed     bool
	started    bool
	done       bool
}

// item is one unit of work handed to a worker: a job, or one chunk of it.
type item struct {
	n     *node
	chunk int // -1: the whole job
	size  int64
	index int // heap index
}

// priority classes: data first (largest first), then indexes, constraints,
// others, foreign keys last.
func classOf(e *format.Entry) int {
	switch e.Desc {
	case "TABLE DATA":
		return 0
	case "SEQUENCE SET", "BLOB METADATA", "BLOBS", "BLOB":
		return 1
	case "INDEX":
		return 2
	case "CONSTRAINT", "CHECK CONSTRAINT":
		return 3
	case "FK CONSTRAINT":
		return 5
	}
	return 4
}

type readyHeap []*item

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(a, b int) bool {
	x, y := h[a], h[b]
	if x.n.j.pass != y.n.j.pass {
		return x.n.j.pass < y.n.j.pass
	}
	if x.n.class != y.n.class {
		return x.n.class < y.n.class
	}
	if x.size != y.size {
		return x.size > y.size
	}
	if x.n.j.order != y.n.j.order {
		return x.n.j.order < y.n.j.order
	}
	return x.chunk < y.chunk
}
func (h readyHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a]; h[a].index = a; h[b].index = b }
func (h *readyHeap) Push(x any)   { it := x.(*item); it.index = len(*h); *h = append(*h, it) }
func (h *readyHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// scheduler hands out ready items respecting dependencies, passes and lock
// conflicts (pg_restore's rule, spec §11.2).
type scheduler struct {
	mu        sync.Mutex
	cond      *sync.Cond
	nodes     []*node
	ready     readyHeap
	running   map[*item]bool
	remaining int // items not finished
	pass      int
	stop      bool
}

func (r *restorer) tableOf(id int) (int, bool) {
	e := r.entry(id)
	if e == nil {
		return 0, false
	}
	switch e.Desc {
	case "TABLE":
		return id, true
	case "TABLE DATA":
		if len(e.Deps) > 0 {
			return e.Deps[0], true
		}
	}
	return 0, false
}

// plainTable reports whether the constraint entry e is on exactly one table that
// is neither partitioned nor foreign (pg_dump writes a table access method only
// for tables with storage), where ADD CONSTRAINT ... USING INDEX is allowed.
func (r *restorer) plainTable(e *format.Entry) bool {
	n := 0
	ok := true
	for _, d := range e.Deps {
		if de := r.entry(d); de != nil && de.Desc == "TABLE" {
			n++
			ok = ok && de.TableAM != ""
		}
	}
	return n == 1 && ok
}

// newScheduler builds the dependency graph of the jobs left after pre-data.
func (r *restorer) newScheduler(jobs []*job) *scheduler {
	s := &scheduler{running: map[*item]bool{}}
	s.cond = sync.NewCond(&s.mu)
	byID := map[int]*node{}
	for _, j := range jobs {
		n := &node{j: j, class: classOf(j.e), size: r.sizes[j.e.DumpID], tables: map[int]bool{}}
		byID[j.e.DumpID] = n
		s.nodes = append(s.nodes, n)
	}
	for _, n := range s.nodes {
		e := n.j.e
		postData := n.j.section == format.SectionPostData
		deps := map[*node]bool{}
		for _, d := range e.Deps {
			if t, ok := r.tableOf(d); ok && n.class > 1 {
				n.tables[t] = true
			}
			if postData {
				// A post-data entry that needs a table needs its data loaded.
				if de := r.entry(d); de != nil && de.Desc == "TABLE" {
					for _, td := range r.tableData[d] {
						if dn := byID[td]; dn != nil && dn != n {
							deps[dn] = true
							if dn.size > n.size {
								n.size = dn.size
							}
						}
					}
				}
			}
			if dn := byID[d]; dn != nil && dn != n {
				deps[dn] = true
				if postData && dn.j.e.Desc == "TABLE DATA" && dn.size > n.size {
					n.size = dn.size
				}
			}
		}
		for dn := range deps {
			n.waiting++
			dn.dependents = append(dn.dependents, n)
		}
		// Not on 18+: there a PRIMARY KEY also creates NOT NULL constraints, and
		// one attached to a prebuilt index on a partition makes them local
		// instead of inherited from the partitioned parent.
		r.mu.Lock()
		serverNum := r.serverNum
		r.mu.Unlock()
		if postData && e.Desc == "CONSTRAINT" && n.j.schema && r.plainTable(e) && serverNum < 180000 {
			if idx, att, ok := splitUniqueConstraint(e.Defn); ok {
				// Built like an index, next to the table's other index builds;
				// only the short ADD CONSTRAINT ... USING INDEX takes the
				// table's strong lock, and it simply waits for those builds.
				n.j.splitIndex, n.j.splitAttach = idx, att
				n.class = classOf(&format.Entry{Desc: "INDEX"})
			}
		}
		if postData && e.Desc != "INDEX" && n.j.splitIndex == "" && len(n.tables) > 0 {
			n.locks = n.tables
		}
		// Items: the chunks of a chunked table, or the job itself.
		if m := r.members[e.DumpID]; m != nil && e.Desc == "TABLE DATA" && n.j.data && !n.j.runsDefn() &&
			len(m.Chunks) > 1 && !r.a.Sequential() && !(r.o.DataOnly && r.o.DisableTriggers) {
			for i, c := range m.Chunks {
				n.items = append(n.items, &item{n: n, chunk: i, size: c.Size})
			}
		} else {
			n.items = []*item{{n: n, chunk: -1, size: n.size}}
		}
		n.subs = len(n.items)
		s.remaining += len(n.items)
	}
	for _, n := range s.nodes {
		if n.waiting == 0 {
			n.started = true
			s.release(n)
		}
	}
	return s
}

func (s *scheduler) release(n *node) {
	for _, it := range n.items {
		heap.Push(&s.ready, it)
	}
}

func conflicts(a, b *node) bool {
	for t := range a.locks {
		if b.tables[t] {
			return true
		}
	}
	for t := range b.locks {
		if a.tables[t] {
			return true
		}
	}
	return false
}

// next blocks until an item can run; nil when all is done or stopped.
func (s *scheduler) next() *item {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.stop || s.remaining == 0 {
			return nil
		}
		var skipped []*item
		var found *item
		for s.ready.Len() > 0 {
			it := heap.Pop(&s.ready).(*item)
			if it.n.j.pass > s.pass {
				skipped = append(skipped, it)
				break
			}
			ok := true
			for r := range s.running {
				if r.n != it.n && conflicts(r.n, it.n) {
					ok = false
					break
				}
			}
			if ok {
				found = it
				break
			}
			skipped = append(skipped, it)
		}
		for _, it := range skipped {
			heap.Push(&s.ready, it)
		}
		if found != nil {
			s.running[found] = true
			return found
		}
		if len(s.running) == 0 {
			if s.pass < passPostACL {
				s.pass++
				continue
			}
			// Nothing runnable and nothing running: a dependency cycle or a
			// dependency on something that will never finish. Release the first
			// blocked node in restore order, as pg_restore runs leftovers.
			var first *node
			for _, n := range s.nodes {
				if !n.done && !n.started && n.waiting > 0 && (first == nil || n.j.order < first.j.order) {
					first = n
				}
			}
			if first == nil {
				return nil
			}
			first.waiting = 0
			first.started = true
			s.release(first)
			continue
		}
		s.cond.Wait()
	}
}

// finish marks an item done; the node completes when all its items have.
func (s *scheduler) finish(it *item, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, it)
	s.remaining--
	n := it.n
	if !ok {
		n.failed = true
	}
	n.subs--
	if n.subs == 0 {
		n.done = true
		for _, d := range n.dependents {
			d.waiting--
			if d.waiting == 0 && !d.started {
				d.started = true
				s.release(d)
			}
		}
	}
	s.cond.Broadcast()
}

func (s *scheduler) halt() {
	s.mu.Lock()
	s.stop = true
	s.mu.Unlock()
	s.cond.Broadcast()
}

// maintenanceWorkMem picks maintenance_work_mem for each of jobs workers: a
// 1 GB budget split between them, between 64 MB and 512 MB, never below the
// server's own setting.
func maintenanceWorkMem(ctx context.Context, conn *pgx.Conn, jobs int) string {
	const mb = 1024 // kB
	per := 1024 * mb / jobs
	per = max(64*mb, min(512*mb, per))
	var cur int64
	if err := conn.QueryRow(ctx, "SELECT setting::bigint FROM pg_catalog.pg_settings WHERE name = 'maintenance_work_mem'").Scan(&cur); err == nil && cur > int64(per) {
		return ""
	}
	return fmt.Sprintf("%dkB", per)
}

// parallel runs jobs on r.o.Jobs sessions (the leader and Jobs-1 new ones).
func (r *restorer) parallel(ctx context.Context, cfg *pgx.ConnConfig, leader *session, jobs []*job) error {
	s := r.newScheduler(jobs)
	mwm := maintenanceWorkMem(ctx, leader.conn, r.o.Jobs)
	if mwm != "" {
		if err := leader.exec(ctx, "SET maintenance_work_mem = "+quoteLiteral(mwm)); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	sessions := []*session{leader}
	for i := 1; i < r.o.Jobs; i++ {
		ws, err := r.connect(ctx, cfg, mwm)
		if err != nil {
			for _, x := range sessions[1:] {
				x.close()
			}
			return fmt.Errorf("restore: worker %d: %w", i, err)
		}
		sessions = append(sessions, ws)
	}
	defer func() {
		for _, x := range sessions[1:] {
			x.close()
		}
	}()
	stopWatch := context.AfterFunc(ctx, s.halt)
	defer stopWatch()

	// Chunked tables: progress starts with the first chunk, ends with the last.
	var pmu sync.Mutex
	chunkErr := map[*node]error{}
	chunksLeft := map[*node]int{}

	var wg sync.WaitGroup
	for _, ws := range sessions {
		wg.Add(1)
		go func(ws *session) {
			defer wg.Done()
			for {
				it := s.next()
				if it == nil {
					return
				}
				if it.chunk < 0 {
					s.finish(it, r.runJob(ctx, ws, it.n.j, -1))
					continue
				}
				e := it.n.j.e
				name := qualifiedName(e)
				pmu.Lock()
				if _, ok := chunksLeft[it.n]; !ok {
					chunksLeft[it.n] = len(it.n.items)
					r.prog.TableStarted(name, r.sizes[e.DumpID])
				}
				pmu.Unlock()
				ok := r.runJob(ctx, ws, it.n.j, it.chunk)
				pmu.Lock()
				if !ok && chunkErr[it.n] == nil {
					chunkErr[it.n] = fmt.Errorf("chunk %d failed", it.chunk)
				}
				chunksLeft[it.n]--
				last := chunksLeft[it.n] == 0
				cerr := chunkErr[it.n]
				pmu.Unlock()
				if last {
					r.prog.TableDone(name, cerr)
					if cerr == nil {
						r.mu.Lock()
						r.sum.Tables++
						r.sum.Entries++
						r.mu.Unlock()
					}
				}
				s.finish(it, ok)
			}
		}(ws)
	}
	wg.Wait()
	return nil
}
