package restore

import (
	"sync"
	"testing"
	"time"

	"github.com/pgstow/pgstow/format"
)

// TestSchedulerOrder runs the scheduler with simulated workers and checks its
// rules: dependencies (a post-data entry on a table waits for the table's data),
// passes, and no two non-INDEX post-data entries on one table at once.
func TestSchedulerOrder(t *testing.T) {
	for round := 0; round < 20; round++ {
		m := sampleArchive(true)
		o := Options{Jobs: 4}
		r, err := newRestorer(m, o)
		if err != nil {
			t.Fatal(err)
		}
		var rest []*job
		for _, j := range r.jobs {
			if !(j.pass == passMain && j.section == format.SectionPreData) {
				rest = append(rest, j)
			}
		}
		s := r.newScheduler(rest)
		var mu sync.Mutex
		finished := map[int]bool{}
		running := map[*node]bool{}
		itemsDone := map[*node]int{}
		var order []string
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					it := s.next()
					if it == nil {
						return
					}
					e := it.n.j.e
					mu.Lock()
					for _, d := range e.Deps {
						de := r.toc.Entry(d)
						if in(rest, d) && !finished[d] {
							t.Errorf("%s %s started before its dependency %d", e.Desc, e.Tag, d)
						}
						if it.n.j.section == format.SectionPostData && de.Desc == "TABLE" {
							for _, td := range r.tableData[d] {
								if !finished[td] {
									t.Errorf("%s %s started before the data of table %d", e.Desc, e.Tag, d)
								}
							}
						}
					}
					for other := range running {
						if other != it.n && shareTable(r, other.j, it.n.j) {
							t.Errorf("%s %s runs with %s %s on the same table", e.Desc, e.Tag, other.j.e.Desc, other.j.e.Tag)
						}
					}
					if it.n.j.pass > passMain {
						for _, j := range rest {
							if j.pass < it.n.j.pass && !finished[j.e.DumpID] {
								t.Errorf("%s %s (pass %d) started before %s %s finished", e.Desc, e.Tag, it.n.j.pass, j.e.Desc, j.e.Tag)
							}
						}
					}
					running[it.n] = true
					order = append(order, e.Desc+":"+e.Tag)
					mu.Unlock()
					time.Sleep(time.Duration(len(e.Tag)%3) * time.Millisecond)
					mu.Lock()
					itemsDone[it.n]++
					if itemsDone[it.n] == len(it.n.items) {
						delete(running, it.n)
						finished[e.DumpID] = true
					}
					mu.Unlock()
					s.finish(it, true)
				}
			}()
		}
		wg.Wait()
		if len(finished) != len(rest) {
			t.Fatalf("finished %d of %d jobs: %v", len(finished), len(rest), order)
		}
		// Data first, largest first: big (5000 rows) before small.
		if order[0] != "TABLE DATA:big" && order[0] != "TABLE DATA:chunky" {
			t.Errorf("first item %s", order[0])
		}
	}
}

func in(jobs []*job, id int) bool {
	for _, j := range jobs {
		if j.e.DumpID == id {
			return true
		}
	}
	return false
}

// TestSchedulerCycle: a dependency cycle must not hang the scheduler.
func TestSchedulerCycle(t *testing.T) {
	m := newMem()
	a := m.add(format.Entry{Tag: "a", Desc: "INDEX", Section: format.SectionPostData, Defn: "x"})
	b := m.add(format.Entry{Tag: "b", Desc: "INDEX", Section: format.SectionPostData, Defn: "x"})
	a.Deps, b.Deps = []int{b.DumpID}, []int{a.DumpID}
	m.toc.Entries[0].Deps, m.toc.Entries[1].Deps = a.Deps, b.Deps
	r, err := newRestorer(m, Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := r.newScheduler(r.jobs)
	done := make(chan int)
	go func() {
		n := 0
		for it := s.next(); it != nil; it = s.next() {
			n++
			s.finish(it, true)
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n != 2 {
			t.Errorf("ran %d of 2 items", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("scheduler hangs on a dependency cycle")
	}
}

// shareTable is the lock rule restated independently of the scheduler: two
// post-data entries, not both indexes, that depend on the same table.
func shareTable(r *restorer, a, b *job) bool {
	if a.section != format.SectionPostData || b.section != format.SectionPostData ||
		(indexLike(a) && indexLike(b)) {
		return false
	}
	tables := func(e *format.Entry) map[int]bool {
		m := map[int]bool{}
		for _, d := range e.Deps {
			if de := r.toc.Entry(d); de != nil && de.Desc == "TABLE" {
				m[d] = true
			}
		}
		return m
	}
	ta := tables(a.e)
	for t := range tables(b.e) {
		if ta[t] {
			return true
		}
	}
	return false
}

// indexLike: an INDEX, or a constraint built as a unique index first.
func indexLike(j *job) bool { return j.e.Desc == "INDEX" || j.splitIndex != "" }

// TestSchedulerLargeTOC: a TOC with tens of thousands of entries is planned and
// scheduled without quadratic blow-ups (this would take minutes otherwise).
func TestSchedulerLargeTOC(t *testing.T) {
	m := newMem()
	const n = 10000
	tables := make([]int, n)
	for i := range tables {
		tables[i] = m.add(format.Entry{Tag: "t", Desc: "TABLE", Namespace: "s", Section: format.SectionPreData, Defn: "x", TableAM: "heap"}).DumpID
	}
	for i := range tables {
		m.add(format.Entry{Tag: "t", Desc: "TABLE DATA", Namespace: "s", Section: format.SectionData, HadDumper: true, Deps: []int{tables[i]}})
	}
	for i := range tables {
		m.add(format.Entry{Tag: "i", Desc: "INDEX", Namespace: "s", Section: format.SectionPostData, Defn: "x", Deps: []int{tables[i]}})
		m.add(format.Entry{Tag: "c", Desc: "CONSTRAINT", Namespace: "s", Section: format.SectionPostData, Defn: "x", Deps: []int{tables[i]}})
		m.add(format.Entry{Tag: "f", Desc: "FK CONSTRAINT", Namespace: "s", Section: format.SectionPostData, Defn: "x", Deps: []int{tables[i], tables[(i+1)%n]}})
	}
	start := time.Now()
	r, err := newRestorer(m, Options{Jobs: 8})
	if err != nil {
		t.Fatal(err)
	}
	var rest []*job
	for _, j := range r.jobs {
		if j.section != format.SectionPreData {
			rest = append(rest, j)
		}
	}
	s := r.newScheduler(rest)
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := 0
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := s.next(); it != nil; it = s.next() {
				mu.Lock()
				count++
				mu.Unlock()
				s.finish(it, true)
			}
		}()
	}
	wg.Wait()
	if count != 4*n {
		t.Errorf("ran %d of %d items", count, 4*n)
	}
	t.Logf("%d entries planned and scheduled in %v", len(m.toc.Entries), time.Since(start))
}
