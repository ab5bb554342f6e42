package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// settlement is one settlement worked out under the workspace lock: what
// to write, then what to apply to memory once written.
type settlement struct {
	ws   string
	slot int              // its index in the batch; -1 for an expired hold the batch settles first
	st   store.Settlement // Record complete: At, RequestID, attribution
	h    *hold            // nil: settled without a hold
	// again is set for a repeat of a request an earlier plan of the batch
	// settles: it charges nothing.
	again     bool
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

// claimAll plans the settlements of every group of w, claiming their
// holds. When one is being settled by another batch, it releases every
// claim it made, waits for that batch to end and starts again: a batch
// never waits while it keeps claims, so two batches cannot wait for each
// other.
func (s *Store) claimAll(ctx context.Context, w *settleWork, sts []*store.Settlement) error {
	for {
		var wait chan struct{}
		var err error
		for i := range w.groups {
			if wait, err = s.claim(w, &w.groups[i], sts); err != nil || wait != nil {
				break
			}
		}
		if err == nil && wait == nil {
			return nil
		}
		w.release()
		w.unplan()
		if err != nil {
			return err
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// claim plans the settlements of group g under its workspace's lock: up
// to expireBatch expired holds first, then each settlement, claiming its
// hold. It stops at a hold another batch is settling and returns a
// channel closed when that one ends. A repeat of a request inside the
// batch is planned without a hold and marked again, so it charges nothing.
func (s *Store) claim(w *settleWork, g *settleGroup, sts []*store.Settlement) (chan struct{}, error) {
	now := s.clock()
	ws := g.ws
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.deleted {
		return nil, fmt.Errorf("embedded: workspace %q: %w", g.id, store.ErrNotFound)
	}
	g.ps = ws.expired(w, g.ps, now, expireBatch, s.retention)
	for _, i := range g.idx {
		st := sts[i]
		var h *hold
		if st.RequestID != "" {
			h = ws.money.holds[st.RequestID]
		}
		again := false
		if h != nil && h.settling {
			if !g.settles(h) {
				return h.waiter(), nil
			}
			h, again = nil, true
		}
		p := w.newPlan()
		ws.plan(p, now, s.retention, st, h)
		p.slot, p.again = i, again
		g.ps = append(g.ps, p)
	}
	return nil, nil
}

// settles reports whether one of g's plans settles hold h.
func (g *settleGroup) settles(h *hold) bool {
	for _, p := range g.ps {
		if p.h == h {
			return true
		}
	}
	return false
}

// waiter returns a channel closed when the settlement writing h ends. The
// caller holds the workspace lock.
func (h *hold) waiter() chan struct{} {
	if h.done == nil {
		h.done = make(chan struct{})
	}
	return h.done
}

// plan works out in p the settlement of st with hold h (nil when there is
// none), and marks h settling. The caller holds ws.mu.
func (ws *wsState) plan(p *settlement, now time.Time, retention time.Duration, st *store.Settlement, h *hold) {
	*p = settlement{ws: ws.rec.ID, slot: -1, st: *st, h: h, now: now, hour: now.UTC().Truncate(time.Hour),
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
		return
	}
	h.settling = true
	p.counted = countTokens(h.mode, rec.Tokens.InputTotal(), rec.Tokens.OutputTotal())
	fill(&rec.TokenID, h.tokenID)
	fill(&rec.MemberID, h.memberID)
	fill(&rec.Kind, h.kind)
	fill(&rec.Upstream, h.upstream)
	fill(&rec.Model, h.model)
	p.countSpend(h.kind, h.memberID, h.tokenID, h.model, h.period, actual)
}

// countSpend lists in p the period counters a settlement counts its cost
// and its actual tokens on, in the period starting at period (unix
// seconds): the member's credits (member tokens) or the key's, and the
// key's credits and tokens per model. They are counted whether or not a
// cap is set on them, so a cap set mid-period sees the period's spend (as
// on Redis); a zero spend is left out.
func (p *settlement) countSpend(kind, memberID, tokenID, model string, period, actual int64) {
	if tokenID == "" {
		return
	}
	cost := p.st.Cost
	switch {
	case kind == "member" && memberID != "":
		p.addSpend(capKey{scope: limiter.ScopeMemberSpend, id: memberID, period: period}, cost)
	case kind == "key":
		p.addSpend(capKey{scope: limiter.ScopeKeySpend, id: tokenID, period: period}, cost)
	}
	if model != "" {
		p.addSpend(capKey{scope: limiter.ScopeKeyModelSpend, id: tokenID, model: model, period: period}, cost)
		p.addSpend(capKey{scope: limiter.ScopeKeyModelTokensMonth, id: tokenID, model: model, period: period}, actual)
	}
}

// addSpend adds a spend of k to p's, unless it is zero.
func (p *settlement) addSpend(k capKey, spend int64) {
	if spend != 0 {
		p.caps[p.ncaps] = capDelta{key: k, spend: spend}
		p.ncaps++
	}
}

// fill sets an empty *dst to v.
func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// planUnheld attributes a settlement without a hold from its record: the
// per-minute token limits that apply to its token now, and its spend
// counters (countSpend) in the current period. A record naming no token of the workspace charges only
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
	p.tpm, p.ntpm = m.tpm, m.ntpm
	period := ws.money.period(p.now, ws.rec.Billing.Anchor).Unix()
	p.countSpend(rec.Kind, rec.MemberID, ts.rec.ID, rec.Model, period, actual)
}
