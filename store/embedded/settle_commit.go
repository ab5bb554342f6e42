package embedded

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// commit writes every group of w in one transaction shared with concurrent
// commits (bolt.DB.Batch, which waits up to settleBatchDelay for them: a
// lone batch waits too, which costs latency off the request path and
// saves commits), then applies each plan to memory, or, when the write
// failed, only releases their claims.
func (s *Store) commit(w *settleWork) error {
	err := s.db.Batch(func(tx *bolt.Tx) error {
		for i := range w.groups {
			if ps := w.groups[i].ps; len(ps) > 0 {
				if err := w.disk.write(tx, ps); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for _, g := range w.groups {
		g.ws.mu.Lock()
		for _, p := range g.ps {
			if err == nil {
				g.ws.apply(p)
			} else {
				g.ws.unclaim(p)
			}
		}
		if err == nil {
			g.ws.passAlerts(g.ps)
		}
		g.ws.mu.Unlock()
	}
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil {
		return fmt.Errorf("embedded: settle in workspace %q: %w", w.groups[0].id, err)
	}
	return nil
}

// passAlerts keeps the alerts crossed by the expired holds among ps (slot
// -1) pending and, when ps has a settlement of the batch, hands every
// pending alert to the first one (see takePending): a crossing found by a
// sweep is reported once, by the next caller that reports alerts. The
// caller holds ws.mu.
func (ws *wsState) passAlerts(ps []*settlement) {
	var first *settlement
	for _, p := range ps {
		switch {
		case p.slot < 0:
			ws.money.pending = orAlerts(ws.money.pending, p.alerts)
			p.alerts = store.CreditAlerts{}
		case first == nil:
			first = p
		}
	}
	if first != nil {
		first.alerts = orAlerts(first.alerts, ws.money.takePending(first.billing, first.balance))
	}
}

// release gives up the claims of every plan of w, which will not be
// written.
func (w *settleWork) release() {
	for _, g := range w.groups {
		g.ws.mu.Lock()
		for _, p := range g.ps {
			g.ws.unclaim(p)
		}
		g.ws.mu.Unlock()
	}
}

// unclaim gives up p's claim of its hold, which stays to be settled
// later. The caller holds ws.mu.
func (ws *wsState) unclaim(p *settlement) {
	if h := p.h; h != nil {
		h.settling = false
		h.wake()
		ws.money.noteExpiry(h.expires)
	}
}

// wake ends the wait of concurrent Settles of h's request.
func (h *hold) wake() {
	if h.done != nil {
		close(h.done)
		h.done = nil
	}
}
