package storetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testWindowWorstCase drives adversarial timing (bursts just before and at
// every bucket boundary, filling the end of one minute and continuing at the
// start of the next) and checks that no closed 60 s window ever holds more
// admitted requests than the limit.
func testWindowWorstCase(t *testing.T, e *env) {
	const limit = 10
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: limit})
	mt := e.tok(token.Member, e.member(0))
	var admitted []time.Time
	try := func(now time.Time, n int) {
		e.clock.Set(now)
		for range n {
			if d := e.admit(mt, "openai"); d.Outcome == limiter.Allowed {
				admitted = append(admitted, now)
			}
		}
	}
	// Fill the last millisecond of the first minute, then hammer the next one.
	try(at(limiter.Window-time.Millisecond), limit)
	try(at(limiter.Window), limit)
	for k := 13; k < 60; k++ {
		edge := at(time.Duration(k) * limiter.BucketWidth)
		try(edge.Add(-time.Millisecond), 3)
		try(edge, 3)
	}
	for i, ti := range admitted {
		n := 0
		for _, tj := range admitted[:i+1] {
			if !tj.Before(ti.Add(-limiter.Window)) {
				n++
			}
		}
		if n > limit {
			t.Fatalf("window ending at %v holds %d admitted requests, limit %d", ti.Sub(Start), n, limit)
		}
	}
	if len(admitted) < 3*limit {
		t.Fatalf("only %d admitted over about 5 minutes at %d/min: the window blocks too much", len(admitted), limit)
	}
}

// refToken is a token in the reference model with the counters it uses.
type refToken struct {
	tok   *store.Token
	scope limiter.Scope
	limit int64
	own   *limiter.Counter
}

// testMatchesReference replays a pseudo-random sequence of Admits against the
// store and against limiter.Counter with limiter.Decide, and requires every
// decision to match exactly.
func testMatchesReference(t *testing.T, e *env) {
	e.upstream("openai")
	const memberRPM, keyRPM, wsRPM = 5, 3, 9
	e.setLimits(store.Limits{MemberRPM: memberRPM, KeyRPM: 100, WorkspaceRPM: wsRPM})
	a, b := e.member(4), e.member(0)
	toks := []refToken{
		{e.tok(token.Member, a), limiter.ScopeMember, 4, new(limiter.Counter)},
		{e.tok(token.Member, b), limiter.ScopeMember, memberRPM, new(limiter.Counter)},
		{e.tok(token.Key, a, func(t *store.Token) { t.RPM = keyRPM }), limiter.ScopeKey, keyRPM, new(limiter.Counter)},
	}
	var ws limiter.Counter
	rng := rand.New(rand.NewPCG(1, 2))
	now := Start
	for range 600 {
		now = now.Add(time.Duration(rng.IntN(2500)) * time.Millisecond)
		e.clock.Set(now)
		rt := toks[rng.IntN(len(toks))]
		var want limiter.Decision
		c1, r1 := rt.own.Count(now)
		c2, r2 := ws.Count(now)
		checks := []limiter.Check{{Scope: rt.scope, Limit: rt.limit, Count: c1, Reset: r1},
			{Scope: limiter.ScopeWorkspace, Limit: wsRPM, Count: c2, Reset: r2}}
		if limiter.Decide(&want, checks) {
			rt.own.Add(now)
			ws.Add(now)
		}
		got := e.admit(rt.tok, "openai")
		sameLimits(t, got, want, "step at "+now.Sub(Start).String())
	}
}
