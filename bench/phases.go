package main

import (
	"context"
	"time"
)

// phaseInterval is how often phaseSampler looks at pg_stat_activity.
const phaseInterval = 50 * time.Millisecond

// phaseSampler splits a restore's wall time into pre-data, data and post-data the
// same way for every tool, from the server's side: it polls pg_stat_activity of the
// target database for active COPY statements. Pre-data lasts until the first COPY is
// seen, data until the last one is seen, post-data until the client exits. The
// resolution is phaseInterval; a tool that overlaps index builds with other tables'
// COPY (pg_restore -j does) has that overlap counted as data.
type phaseSampler struct {
	start       time.Time
	first, last time.Time
	cancel      context.CancelFunc
	done        chan struct{}
}

func startPhaseSampler(ctx context.Context, c *cluster, db string) (*phaseSampler, error) {
	conn, err := c.connect(ctx, "postgres")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &phaseSampler{start: time.Now(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer conn.Close(context.Background())
		tick := time.NewTicker(phaseInterval)
		defer tick.Stop()
		for {
			var copying bool
			err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
				WHERE datname = $1 AND state = 'active' AND query ~* '^\s*copy\s')`, db).Scan(&copying)
			if err == nil && copying {
				now := time.Now()
				if p.first.IsZero() {
					p.first = now
				}
				p.last = now
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return p, nil
}

// stop ends the sampling and sets r's phases; r.Seconds is the whole run.
func (p *phaseSampler) stop(r *run) {
	p.cancel()
	<-p.done
	if p.first.IsZero() {
		return
	}
	r.PreSeconds = p.first.Sub(p.start).Seconds()
	r.DataSeconds = p.last.Sub(p.first).Seconds()
	r.PostSeconds = max(r.Seconds-r.PreSeconds-r.DataSeconds, 0)
}
