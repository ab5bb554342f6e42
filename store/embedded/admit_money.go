package embedded

import (
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// moneyCheck is what the money checks of one admission found, kept on the
// stack until the request is allowed and held.
type moneyCheck struct {
	counted int64 // the hold's tokens as the per-minute limits count them
	tpm     [4]*limiter.Counter
	ntpm    int
	caps    [4]capCheck
	ncaps   int
}

// capCheck is one applicable monthly cap.
type capCheck struct {
	key capKey
	lim int64
	st  *capState // nil: nothing spent or held yet
}

// tokenLimits checks every token-per-minute limit that applies: tokens
// counted in the sliding minute plus the held tokens must not exceed it,
// and a hold of no tokens is refused only when the minute is already full.
// An exhausted limit makes d Limited, with Remaining the tokens left in
// the minute, unless an exhausted request limit (or
// an earlier token limit) has a longer RetryAfter; allowed says whether the
// request limits admitted. It returns whether every limit admits.
func (ws *wsState) tokenLimits(now time.Time, r *limiter.Request, ts *tokenState, ms *memberState, d *limiter.Decision, allowed bool, m *moneyCheck) bool {
	l := &ws.rec.Limits
	m.counted = countTokens(l.TokenCount, r.Hold.Input, r.Hold.Output)
	add := func(scope limiter.Scope, lim int64, c *limiter.Counter) {
		if lim <= 0 {
			return
		}
		m.tpm[m.ntpm] = c
		m.ntpm++
		count, reset := c.Count(now)
		if count+max(m.counted, 1) <= lim {
			return
		}
		if allowed || reset > d.RetryAfter {
			d.Outcome, d.Scope, d.Limit, d.Remaining = limiter.Limited, scope, lim, max(lim-count, 0)
			d.Reset, d.RetryAfter = reset, reset
		}
		allowed = false
	}
	switch ts.rec.Kind {
	case token.Member:
		add(limiter.ScopeMemberTokens, pick(ms.rec.TPM, l.MemberTPM), &ms.tpm)
	case token.Key:
		add(limiter.ScopeKeyTokens, pick(ts.rec.TPM, l.KeyTPM), &ts.tpm)
	}
	add(limiter.ScopeWorkspaceTokens, l.WorkspaceTPM, &ws.money.tpm)
	if r.Model != "" {
		if ml, ok := ts.rec.ModelLimits[r.Model]; ok && ml.TPM > 0 {
			add(limiter.ScopeKeyModelTokens, ml.TPM, ts.modelTPMCounter(r.Model))
		}
	}
	return allowed
}

// capsAllow checks every monthly cap that applies in the current billing
// period, in the order member, key, key-model credits, key-model tokens:
// spent + held + the hold must not exceed the cap, and a hold of nothing is
// refused only when the cap is already reached. The first exceeded cap
// makes d SpendCapped. d.Period is set when any cap applies.
func (ws *wsState) capsAllow(now time.Time, r *limiter.Request, ts *tokenState, ms *memberState, d *limiter.Decision, m *moneyCheck) bool {
	start := ws.listCaps(now, r.Model, ts, ms, m)
	if m.ncaps == 0 {
		return true
	}
	d.Period = start.Unix()
	for i := range m.caps[:m.ncaps] {
		c := &m.caps[i]
		c.st = ws.money.caps[c.key]
		amount := r.Hold.Credits
		if c.key.tokens() {
			amount = r.Hold.Input + r.Hold.Output
		}
		var used int64
		if c.st != nil {
			used = c.st.spent + c.st.held
		}
		if used+max(amount, 1) > c.lim {
			ws.capped(now, start, c, used, d)
			return false
		}
	}
	return true
}

// listCaps puts in m the monthly caps that apply to a request of ts (and
// its member ms) for model in the billing period of now, and returns the
// period's start. The keys alias ts, ms and model.
func (ws *wsState) listCaps(now time.Time, model string, ts *tokenState, ms *memberState, m *moneyCheck) time.Time {
	l := &ws.rec.Limits
	add := func(scope limiter.Scope, id, model string, lim int64) {
		if lim > 0 {
			m.caps[m.ncaps] = capCheck{key: capKey{scope: scope, id: id, model: model}, lim: lim}
			m.ncaps++
		}
	}
	switch ts.rec.Kind {
	case token.Member:
		add(limiter.ScopeMemberSpend, ms.rec.ID, "", pick(ms.rec.Monthly, l.MemberMonthlyCredits))
	case token.Key:
		add(limiter.ScopeKeySpend, ts.rec.ID, "", pick(ts.rec.Monthly, l.KeyMonthlyCredits))
	}
	if model != "" {
		if ml, ok := ts.rec.ModelLimits[model]; ok {
			add(limiter.ScopeKeyModelSpend, ts.rec.ID, model, ml.MonthlyCredits)
			add(limiter.ScopeKeyModelTokensMonth, ts.rec.ID, model, ml.MonthlyTokens)
		}
	}
	if m.ncaps == 0 {
		return time.Time{}
	}
	start := ws.money.period(now, ws.rec.Billing.Anchor)
	for i := range m.caps[:m.ncaps] {
		m.caps[i].key.period = start.Unix()
	}
	return start
}

// period returns the start of the billing period of now under anchor,
// computed once per period: PeriodStart's calendar arithmetic would
// otherwise be the largest cost of an admission with caps.
func (m *moneyState) period(now time.Time, anchor int) time.Time {
	if anchor != m.anchor || now.Before(m.periodStart) || !now.Before(m.periodEnd) {
		m.anchor, m.periodStart = anchor, store.PeriodStart(now, anchor)
		m.periodEnd = store.PeriodEnd(m.periodStart)
	}
	return m.periodStart
}

// capped fills d for the exceeded cap c and sets CapNotice on the first
// SpendCapped of that cap and period, recording the marker (the one write
// a refusal makes; it reaches the disk with Close, see flushNotices).
func (ws *wsState) capped(now, start time.Time, c *capCheck, used int64, d *limiter.Decision) {
	retry := ws.money.periodEnd.Sub(now) // listCaps set it for start
	d.Outcome, d.Scope, d.Limit, d.Remaining = limiter.SpendCapped, c.key.scope, c.lim, max(c.lim-used, 0)
	d.Reset, d.RetryAfter = retry, retry
	st := c.st
	if st == nil {
		st = &capState{}
		k := c.key
		k.model = strings.Clone(k.model) // it aliases the request
		ws.money.caps[k] = st
	}
	if !st.notice {
		st.notice, st.noticeUnsync, d.CapNotice = true, true, true
	}
}

// balanceAllows checks that the balance minus the credits held covers
// r.Hold.Credits; a free request is refused only when it is negative.
func (ws *wsState) balanceAllows(r *limiter.Request, d *limiter.Decision) bool {
	avail := ws.money.balance - ws.money.held
	if r.Hold.Credits <= avail {
		return true
	}
	d.Outcome, d.Scope, d.Limit, d.Remaining = limiter.NoCredits, limiter.ScopeBalance, avail, 0
	d.Reset, d.RetryAfter = 0, 0
	return false
}

// hold reserves r.Hold for an allowed request with a RequestID: it adds the
// held tokens to every applicable per-minute counter and the held credits
// and tokens to the workspace and every applicable cap, and keeps what
// Settle needs. A zero Hold is held too: the hold is what makes its Settle
// idempotent without a marker on disk (see store.Money.Settle). A
// RequestID already held reserves nothing more.
func (ws *wsState) hold(now time.Time, ttl time.Duration, r *limiter.Request, ts *tokenState, d *limiter.Decision, m *moneyCheck) {
	if r.RequestID == "" || ws.money.holds[r.RequestID] != nil {
		return
	}
	// One allocation for the three strings that alias the request.
	all := strings.Clone(r.RequestID + r.Upstream + r.Model)
	id, rest := all[:len(r.RequestID)], all[len(r.RequestID):]
	h := ws.money.newHold()
	*h = hold{
		id: id, expires: now.Add(ttl), credits: r.Hold.Credits, tokens: r.Hold.Input + r.Hold.Output,
		counted: m.counted, mode: ws.rec.Limits.TokenCount, bucket: limiter.BucketOf(now),
		tokenID: ts.rec.ID, memberID: ts.rec.MemberID, kind: ts.rec.Kind.String(),
		upstream: rest[:len(r.Upstream)], model: rest[len(r.Upstream):],
		period: ws.money.period(now, ws.rec.Billing.Anchor).Unix(),
	}
	for _, c := range m.tpm[:m.ntpm] {
		c.AddN(now, m.counted)
		h.tpm[h.ntpm] = c
		h.ntpm++
	}
	for _, c := range m.caps[:m.ncaps] {
		k := c.key
		if k.model != "" {
			k.model = h.model // its own copy
		}
		st := c.st
		if st == nil {
			st = &capState{}
			ws.money.caps[k] = st
		}
		st.held += h.amount(k)
		h.caps[h.ncaps] = k
		h.ncaps++
	}
	ws.money.held += h.credits
	ws.money.holds[id] = h
	ws.money.noteExpiry(h.expires)
	d.Held = r.Hold
}

// modelTPMCounter returns the ScopeKeyModelTokens counter of model, which
// has a TPM in ts.rec.ModelLimits; like modelCounter, it makes one only for
// a record replaced in place.
func (ts *tokenState) modelTPMCounter(model string) *limiter.Counter {
	if c := ts.modelTPM[model]; c != nil {
		return c
	}
	if ts.modelTPM == nil {
		ts.modelTPM = make(map[string]*limiter.Counter)
	}
	c := new(limiter.Counter)
	ts.modelTPM[strings.Clone(model)] = c
	return c
}
