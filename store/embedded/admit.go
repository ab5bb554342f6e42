package embedded

import (
	"context"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Admit decides on r in memory, under the workspace's lock, and fills d (see
// store.Store.Admit for the order of checks). It does no disk I/O and
// allocates only to hold a non-zero r.Hold under r.RequestID (a few hundred
// bytes); it fails only after Close.
func (s *Store) Admit(ctx context.Context, r *limiter.Request, d *limiter.Decision) error {
	*d = limiter.Decision{}
	if s.closed.Load() {
		return ErrClosed
	}
	ws := s.workspace(r.Workspace)
	if ws == nil {
		d.Outcome = limiter.Unknown
		return nil
	}
	now := s.clock()
	ws.mu.Lock()
	ws.admit(now, s.holdTTL, r, d)
	ws.mu.Unlock()
	return nil
}

// admit runs the checks in order and, when the request is allowed, holds
// r.Hold for ttl and records the token's and member's last activity in
// memory. The caller holds ws.mu.
func (ws *wsState) admit(now time.Time, ttl time.Duration, r *limiter.Request, d *limiter.Decision) {
	d.UpstreamRev = ws.upstreamRev
	ts := ws.byHash[r.TokenHash]
	if ts == nil {
		d.Outcome = limiter.Unknown
		return
	}
	t := &ts.rec
	d.TokenKind, d.TokenID, d.MemberID = t.Kind, t.ID, t.MemberID
	var ms *memberState
	if t.Kind == token.Member {
		if ms = ws.members[t.MemberID]; ms != nil {
			d.Role = ms.rec.Role
		}
	}
	switch {
	case !ws.active(t, ms, now):
		d.Outcome = limiter.Revoked
	case ms != nil && ms.rec.Role == store.RoleReader:
		d.Outcome = limiter.RoleForbidden
	case ws.upstreams[r.Upstream] == nil && !r.Public:
		d.Outcome = limiter.UpstreamUnknown
	case !allows(t.Upstreams, r.Upstream):
		d.Outcome = limiter.Forbidden
	default:
		d.Public = ws.upstreams[r.Upstream] == nil // a private upstream shadows a public one
		ws.limit(now, ttl, r, ts, ms, d)
	}
}

// active reports whether t may be used at now: active, not expired and, for
// a member token, its member present and active.
func (ws *wsState) active(t *store.Token, ms *memberState, now time.Time) bool {
	if t.Status != store.TokenActive {
		return false
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return false
	}
	if t.Kind == token.Member {
		return ms != nil && ms.rec.Status == store.MemberActive
	}
	return true
}

// allows reports whether an allow-list permits upstream; empty allows all.
func allows(list []string, upstream string) bool {
	if len(list) == 0 {
		return true
	}
	for _, u := range list {
		if u == upstream {
			return true
		}
	}
	return false
}

// limit counts every applicable request limit first, then checks the
// token limits, the monthly caps and the balance (admit_money.go), and only
// if all admit the request adds it to each of their counters and holds
// r.Hold. The checks live in fixed-size arrays on the stack so the allowed
// path does not allocate.
func (ws *wsState) limit(now time.Time, ttl time.Duration, r *limiter.Request, ts *tokenState, ms *memberState, d *limiter.Decision) {
	var checks [4]limiter.Check
	var counters [4]*limiter.Counter
	n := 0
	add := func(scope limiter.Scope, lim int64, c *limiter.Counter) {
		if lim <= 0 {
			return
		}
		count, reset := c.Count(now)
		checks[n] = limiter.Check{Scope: scope, Limit: lim, Count: count, Reset: reset}
		counters[n] = c
		n++
	}
	switch ts.rec.Kind {
	case token.Member:
		add(limiter.ScopeMember, pick(ms.rec.RPM, ws.rec.Limits.MemberRPM), &ms.counter)
	case token.Key:
		add(limiter.ScopeKey, pick(ts.rec.RPM, ws.rec.Limits.KeyRPM), &ts.counter)
	}
	add(limiter.ScopeWorkspace, ws.rec.Limits.WorkspaceRPM, &ws.counter)
	if model := r.Model; model != "" && ts.rec.ModelRPM[model] > 0 {
		lim := ts.rec.ModelRPM[model]
		add(limiter.ScopeKeyModel, lim, ts.modelCounter(model))
	}
	var m moneyCheck
	allowed := limiter.Decide(d, checks[:n])
	if !ws.tokenLimits(now, r, ts, ms, d, allowed, &m) || !ws.capsAllow(now, r, ts, ms, d, &m) || !ws.balanceAllows(r, d) {
		return
	}
	d.Outcome = limiter.Allowed
	for _, c := range counters[:n] {
		c.Add(now)
	}
	ws.hold(now, ttl, r, ts, d, &m)
	touch(now, ts, ms)
}

// pick returns override when it is set, else def.
func pick(override, def int64) int64 {
	if override > 0 {
		return override
	}
	return def
}

// modelCounter returns the ScopeKeyModel counter of model, which has a limit
// in ts.rec.ModelRPM. addToken made it; a record replaced in place gets its
// counter here, with its own copy of model (which aliases the request).
func (ts *tokenState) modelCounter(model string) *limiter.Counter {
	if c := ts.models[model]; c != nil {
		return c
	}
	if ts.models == nil {
		ts.models = make(map[string]*limiter.Counter)
	}
	c := new(limiter.Counter)
	ts.models[strings.Clone(model)] = c
	return c
}
