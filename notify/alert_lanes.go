package notify

import (
	"sync"

	"github.com/tollgate-dev/tollgate/store"
)

// job is one unit of a Dispatcher's work: an event to fan out to its
// workspace's webhooks (x nil), or one attempt of a delivery.
type job struct {
	ev *queued
	x  *delivery
	// last is, for a retry, the record of the attempt before it, recorded
	// again as done if the retry is abandoned at shutdown.
	last *store.Delivery
}

// pushResult is what lanes.push did with a job.
type pushResult int

const (
	pushed     pushResult = iota
	pushClosed            // the Dispatcher is closed: nothing is queued any more
	pushFull              // an event found maxEvents events queued
)

// lanes queues a Dispatcher's jobs per workspace, so that one workspace's
// slow or hanging receivers cannot hold every worker: a workspace has at
// most one job running at a time, and workspaces with work take turns
// (round robin) for the workers. The zero value is not usable; see
// newLanes. It is safe for concurrent use.
type lanes struct {
	mu     sync.Mutex
	cond   sync.Cond        // signalled when ready gains a lane or closed is set
	byWS   map[string]*lane // workspaces with a job queued or running
	ready  []*lane          // lanes with a job queued and none running, oldest first
	events int              // event jobs queued (not running), bounded by push's maxEvents
	closed bool
}

// lane is one workspace's queue. It is in lanes.ready exactly when it has
// a job and none running.
type lane struct {
	ws      string
	jobs    []job
	running bool
}

func newLanes() *lanes {
	l := &lanes{byWS: make(map[string]*lane)}
	l.cond.L = &l.mu
	return l
}

// push queues j at the end of workspace ws's lane. An event job (x nil)
// is refused when maxEvents events are queued already (maxEvents 0: no
// bound); any job is refused once close was called.
func (l *lanes) push(ws string, j job, maxEvents int) pushResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return pushClosed
	case j.x == nil && maxEvents > 0 && l.events >= maxEvents:
		return pushFull
	}
	if j.x == nil {
		l.events++
	}
	ln := l.byWS[ws]
	if ln == nil {
		ln = &lane{ws: ws}
		l.byWS[ws] = ln
	}
	ln.jobs = append(ln.jobs, j)
	if !ln.running && len(ln.jobs) == 1 {
		l.ready = append(l.ready, ln)
		l.cond.Signal()
	}
	return pushed
}

// take waits for a lane with a job and none running, marks it running and
// returns its first job. After close it still hands out what is queued,
// and reports false once nothing is.
func (l *lanes) take() (job, *lane, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.ready) == 0 {
		if l.closed {
			return job{}, nil, false
		}
		l.cond.Wait()
	}
	ln := l.ready[0]
	l.ready[0] = nil
	l.ready = l.ready[1:]
	j := ln.jobs[0]
	ln.jobs[0] = job{}
	ln.jobs = ln.jobs[1:]
	ln.running = true
	if j.x == nil {
		l.events--
	}
	return j, ln, true
}

// done ends the running job of ln. next, the jobs it led to (an event's
// deliveries), go first in the lane, even after close, so that an event
// taken is delivered; the lane then waits for its next turn behind the
// other ready lanes.
func (l *lanes) done(ln *lane, next []job) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln.running = false
	if len(next) > 0 {
		ln.jobs = append(next, ln.jobs...)
	}
	if len(ln.jobs) == 0 {
		delete(l.byWS, ln.ws)
		return
	}
	l.ready = append(l.ready, ln)
	l.cond.Signal()
}

// close refuses further pushes and wakes every waiting worker.
func (l *lanes) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cond.Broadcast()
}
