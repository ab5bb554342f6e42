package embedded

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// Settle turns the hold of st.RequestID into spend (see store.Money.Settle
// and money.go). It first settles a few expired holds of the workspace,
// then claims the request's hold, writes everything in one bbolt
// transaction shared with concurrent Settles (bolt.DB.Batch: one fsync for
// all of them), and only then changes memory. A concurrent Settle of the
// same request waits for the first and then reports Settled false.
func (s *Store) Settle(ctx context.Context, st *store.Settlement, r *store.SettleResult) error {
	*r = store.SettleResult{}
	if err := validateSettlement(st); err != nil {
		return err
	}
	ws, err := s.lookup(ctx, st.Workspace)
	if err != nil {
		return err
	}
	if _, err := s.expireHolds(ws, expireBatch); err != nil {
		return err
	}
	p, err := s.claim(ctx, ws, st)
	if err != nil {
		return err
	}
	if err := s.commit(ws, p); err != nil {
		return err
	}
	r.Settled, r.Balance, r.CreditAlerts = p.fresh, p.balance, p.alerts
	return nil
}

// claim finds the hold of st.RequestID, marks it as being settled and
// plans the settlement. When another Settle of the same request is
// writing, it waits for that one to end and looks again.
func (s *Store) claim(ctx context.Context, ws *wsState, st *store.Settlement) (*settlement, error) {
	for {
		now := s.clock()
		ws.mu.Lock()
		if ws.deleted {
			ws.mu.Unlock()
			return nil, fmt.Errorf("embedded: workspace %q: %w", st.Workspace, store.ErrNotFound)
		}
		var h *hold
		if st.RequestID != "" {
			h = ws.money.holds[st.RequestID]
		}
		if h != nil && h.settling {
			if h.done == nil {
				h.done = make(chan struct{})
			}
			done := h.done
			ws.mu.Unlock()
			select {
			case <-done:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		p := ws.plan(now, s.retention, *st, h)
		ws.mu.Unlock()
		return p, nil
	}
}

// settlement is one Settle worked out under the workspace lock: what to
// write, then what to apply to memory once written.
type settlement struct {
	ws        string
	st        store.Settlement // Record complete: At, RequestID, attribution
	h         *hold            // nil: settled without a hold
	now, hour time.Time
	retention time.Duration
	billing   store.Billing
	caps      [4]capDelta
	ncaps     int
	tpm       [4]*limiter.Counter // without a hold: the counters to add the tokens to
	ntpm      int
	counted   int64 // the actual tokens as the per-minute limits count them

	// Results of the write, set afresh by every run of write.
	fresh   bool  // not settled before: charged
	balance int64 // after the write
	alerts  store.CreditAlerts
	swept   []capKey
}

// capDelta is one cap a settlement charges: spend (µc or tokens) added to
// its period's counter.
type capDelta struct {
	key   capKey
	spend int64
}

// plan works out the settlement of st with hold h (nil when there is
// none). The caller holds ws.mu and, for h, marks it settling.
func (ws *wsState) plan(now time.Time, retention time.Duration, st store.Settlement, h *hold) *settlement {
	p := &settlement{ws: ws.rec.ID, st: st, h: h, now: now, hour: now.UTC().Truncate(time.Hour),
		retention: retention, billing: ws.rec.Billing}
	rec := &p.st.Record
	rec.At = now.UTC()
	if rec.RequestID == "" {
		rec.RequestID = st.RequestID
	}
	actual := rec.Tokens.InputTotal() + rec.Tokens.OutputTotal()
	if h == nil {
		p.counted = countTokens(ws.rec.Limits.TokenCount, rec.Tokens.InputTotal(), rec.Tokens.OutputTotal())
		ws.planUnheld(p, actual)
		return p
	}
	h.settling = true
	p.counted = countTokens(h.mode, rec.Tokens.InputTotal(), rec.Tokens.OutputTotal())
	fill(&rec.TokenID, h.tokenID)
	fill(&rec.MemberID, h.memberID)
	fill(&rec.Kind, h.kind)
	fill(&rec.Upstream, h.upstream)
	fill(&rec.Model, h.model)
	for _, k := range h.caps[:h.ncaps] {
		spend := st.Cost
		if k.tokens() {
			spend = actual
		}
		p.caps[p.ncaps] = capDelta{key: k, spend: spend}
		p.ncaps++
	}
	return p
}

// fill sets an empty *dst to v.
func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// planUnheld attributes a settlement without a hold from its record: the
// caps and per-minute token limits that apply to its token now, in the
// current period. A record naming no token of the workspace charges only
// the balance.
func (ws *wsState) planUnheld(p *settlement, actual int64) {
	rec := &p.st.Record
	ts := ws.tokens[rec.TokenID]
	if ts == nil {
		return
	}
	fill(&rec.MemberID, ts.rec.MemberID)
	fill(&rec.Kind, ts.rec.Kind.String())
	var ms *memberState
	if rec.Kind == "member" {
		ms = ws.members[ts.rec.MemberID]
	}
	if ms == nil && rec.Kind == "member" {
		return
	}
	r := limiter.Request{Model: rec.Model}
	var d limiter.Decision
	var m moneyCheck
	ws.tokenLimits(p.now, &r, ts, ms, &d, true, &m) // only to list the counters
	ws.listCaps(p.now, rec.Model, ts, ms, &m)
	p.tpm, p.ntpm = m.tpm, m.ntpm
	for _, c := range m.caps[:m.ncaps] {
		spend := p.st.Cost
		if c.key.tokens() {
			spend = actual
		}
		p.caps[p.ncaps] = capDelta{key: c.key, spend: spend}
		p.ncaps++
	}
}

// commit writes the settlements in one transaction shared with concurrent
// commits, then applies each to memory, or, when the write failed, only
// releases their claims.
func (s *Store) commit(ws *wsState, ps ...*settlement) error {
	err := s.db.Batch(func(tx *bolt.Tx) error {
		for _, p := range ps {
			if err := p.write(tx); err != nil {
				return err
			}
		}
		return nil
	})
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, p := range ps {
		if err == nil {
			ws.apply(p)
		} else if p.h != nil {
			p.h.settling = false
			p.h.wake()
			ws.money.noteExpiry(p.h.expires)
		}
	}
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil {
		return fmt.Errorf("embedded: settle in workspace %q: %w", ws.rec.ID, err)
	}
	return nil
}

// wake ends the wait of concurrent Settles of h's request.
func (h *hold) wake() {
	if h.done != nil {
		close(h.done)
		h.done = nil
	}
}
