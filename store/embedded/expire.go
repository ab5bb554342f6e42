package embedded

import (
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// expireHolds settles up to max holds of ws that expired by the store's
// clock, at their estimates (see money.go), and returns how many it
// settled.
func (s *Store) expireHolds(ws *wsState, max int) (int, error) {
	now := s.clock()
	w := batchPool.Get().(*settleWork)
	defer w.free()
	ws.mu.Lock()
	g := w.addGroup(ws.rec.ID, ws)
	g.ps = ws.expired(w, g.ps, now, max, s.retention)
	ws.mu.Unlock()
	if len(g.ps) == 0 {
		return 0, nil
	}
	return len(g.ps), s.commit(w)
}

// expireAll settles every expired hold of ws; the money reads call it so
// that what they return includes them.
func (s *Store) expireAll(ws *wsState) error {
	for {
		n, err := s.expireHolds(ws, 4*expireBatch)
		if err != nil || n == 0 {
			return err
		}
	}
}

// expired claims up to max holds expired at now, plans their settlement
// in plans of w and appends them to ps. It scans the holds only once
// nextExpiry has passed, and moves nextExpiry to the earliest expiry left
// (or keeps it due when more than max expired), so a workspace scans about
// once per hold lifetime. The caller holds ws.mu.
func (ws *wsState) expired(w *settleWork, ps []*settlement, now time.Time, max int, retention time.Duration) []*settlement {
	m := &ws.money
	if m.nextExpiry.IsZero() || now.Before(m.nextExpiry) {
		return ps
	}
	var next time.Time
	n := 0
	for _, h := range m.holds {
		switch {
		case h.settling: // its Settle releases it, or notes its expiry on failure
		case now.Before(h.expires):
			next = earlier(next, h.expires)
		case n == max:
			next = now
		default:
			st := h.expirySettlement(ws.rec.ID)
			p := w.newPlan()
			ws.plan(p, now, retention, &st, h)
			ps = append(ps, p)
			n++
		}
	}
	m.nextExpiry = next
	return ps
}

// noteExpiry makes sure a hold expiring at t is found by expired.
func (m *moneyState) noteExpiry(t time.Time) { m.nextExpiry = earlier(m.nextExpiry, t) }

// earlier returns the earlier of a and b, where a zero a is unset.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// expirySettlement is the settlement of h on expiry: its estimate, no
// tokens, and an audit record marked as an error with no status, since what
// the upstream billed is unknown.
func (h *hold) expirySettlement(workspace string) store.Settlement {
	return store.Settlement{Workspace: workspace, RequestID: h.id, Cost: h.credits,
		Record: store.RequestRecord{RequestID: h.id, Error: true, Cost: h.credits}}
}
