package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testAdmitAllowed: an allowed decision names the token, its member and the upstream revision.
func testAdmitAllowed(t *testing.T, e *env) {
	e.upstream("openai")
	m := e.member(0)
	mt := e.tok(token.Member, m)
	d := e.admit(mt, "openai")
	expect(t, d, limiter.Allowed, "member token")
	_, rev, err := e.s.GetUpstream(e.ctx, e.ws, "openai")
	if err != nil {
		t.Fatal(err)
	}
	if d.TokenKind != token.Member || d.TokenID != mt.ID || d.MemberID != m.ID || d.UpstreamRev != rev ||
		d.Scope != limiter.ScopeMember || d.Limit != limiter.DefaultMemberRPM || d.RetryAfter != 0 || d.Degraded {
		t.Fatalf("decision %+v: want member token %s of member %s, rev %d, member scope at %d", d, mt.ID, m.ID, rev, limiter.DefaultMemberRPM)
	}
	k := e.tok(token.Key, m)
	d = e.admit(k, "openai")
	expect(t, d, limiter.Allowed, "key without limits")
	if d.TokenKind != token.Key || d.TokenID != k.ID || d.MemberID != m.ID || d.Scope != limiter.ScopeNone {
		t.Fatalf("key decision %+v: want key %s, creator %s, no scope", d, k.ID, m.ID)
	}
}

// testAdmitUnknown: a hash the workspace does not hold is Unknown, even if another workspace holds it.
func testAdmitUnknown(t *testing.T, e *env) {
	e.upstream("openai")
	expect(t, e.admitHash(e.ws, token.HashOf([]byte("nope")), "openai"), limiter.Unknown, "random hash")
	expect(t, e.admitHash(token.NewID(), token.HashOf([]byte("nope")), "openai"), limiter.Unknown, "unknown workspace")
	mt := e.tok(token.Member, e.member(0))
	other := e.workspace(store.Limits{})
	expect(t, e.admitHash(other, mt.Hash, "openai"), limiter.Unknown, "token of another workspace")
}

// testAdmitRevoked: a revoked token is Revoked.
func testAdmitRevoked(t *testing.T, e *env) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0), func(t *store.Token) { t.Status = store.TokenRevoked })
	expect(t, e.admit(mt, "openai"), limiter.Revoked, "token stored revoked")
}

// testAdmitExpired: a token is Revoked from the instant it expires, by the store's clock.
func testAdmitExpired(t *testing.T, e *env) {
	e.upstream("openai")
	exp := e.clock.Now().Add(time.Hour)
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.ExpiresAt = exp })
	e.clock.Set(exp.Add(-time.Millisecond))
	expect(t, e.admit(k, "openai"), limiter.Allowed, "just before expiry")
	e.clock.Set(exp)
	expect(t, e.admit(k, "openai"), limiter.Revoked, "at expiry")
	e.clock.Set(exp.Add(time.Hour))
	expect(t, e.admit(k, "openai"), limiter.Revoked, "after expiry")
}

// testAdmitRemovedMember: a member token of a removed member is Revoked.
func testAdmitRemovedMember(t *testing.T, e *env) {
	e.upstream("openai")
	m := e.member(0)
	mt := e.tok(token.Member, m)
	m.Status = store.MemberRemoved
	e.putMember(m)
	expect(t, e.admit(mt, "openai"), limiter.Revoked, "removed member")
}

// testKeySurvivesRemoval: a workspace key keeps working after its creator is removed.
func testKeySurvivesRemoval(t *testing.T, e *env) {
	e.upstream("openai")
	m := e.member(0)
	k := e.tok(token.Key, m)
	m.Status = store.MemberRemoved
	e.putMember(m)
	expect(t, e.admit(k, "openai"), limiter.Allowed, "key of removed creator")
}

// testAdmitUpstreamUnknown: an upstream the workspace lacks is UpstreamUnknown, also after deletion.
func testAdmitUpstreamUnknown(t *testing.T, e *env) {
	mt := e.tok(token.Member, e.member(0))
	expect(t, e.admit(mt, "openai"), limiter.UpstreamUnknown, "never registered")
	e.upstream("openai")
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "registered")
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "openai"); err != nil {
		t.Fatal(err)
	}
	expect(t, e.admit(mt, "openai"), limiter.UpstreamUnknown, "deleted")
}

// testAdmitForbidden: a key restricted to other upstreams is Forbidden; its own upstreams are allowed.
func testAdmitForbidden(t *testing.T, e *env) {
	e.upstream("openai")
	e.upstream("anthropic")
	e.upstream("mcp-github")
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.Upstreams = []string{"anthropic", "mcp-github"} })
	expect(t, e.admit(k, "openai"), limiter.Forbidden, "not in the list")
	expect(t, e.admit(k, "anthropic"), limiter.Allowed, "first in the list")
	expect(t, e.admit(k, "mcp-github"), limiter.Allowed, "last in the list")
	// A name that is a substring of an allowed one is still forbidden.
	e.upstream("mcp")
	expect(t, e.admit(k, "mcp"), limiter.Forbidden, "prefix of an allowed name")
}

// testAdmitOrder: when several checks fail, the first in the documented order decides.
func testAdmitOrder(t *testing.T, e *env) {
	e.upstream("openai")
	e.upstream("other")
	e.setLimits(store.Limits{KeyRPM: 1})
	m := e.member(0)
	// Revoked beats UpstreamUnknown.
	rk := e.tok(token.Key, m, func(t *store.Token) { t.Status = store.TokenRevoked })
	expect(t, e.admit(rk, "nosuch"), limiter.Revoked, "revoked key on unknown upstream")
	// UpstreamUnknown beats Forbidden.
	k := e.tok(token.Key, m, func(t *store.Token) { t.Upstreams = []string{"other"} })
	expect(t, e.admit(k, "nosuch"), limiter.UpstreamUnknown, "restricted key on unknown upstream")
	// Forbidden beats Limited, and a forbidden request is not counted.
	expect(t, e.admit(k, "other"), limiter.Allowed, "first request")
	expect(t, e.admit(k, "openai"), limiter.Forbidden, "forbidden while limited")
	expect(t, e.admit(k, "other"), limiter.Limited, "limited")
	// Revoked (removed member) beats Limited.
	e.setLimits(store.Limits{MemberRPM: 1})
	mt := e.tok(token.Member, m)
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "member first request")
	m.Status = store.MemberRemoved
	e.putMember(m)
	expect(t, e.admit(mt, "openai"), limiter.Revoked, "removed while limited")
}

// testRevocationNextAdmit: the very next Admit after RevokeToken refuses the token.
func testRevocationNextAdmit(t *testing.T, e *env) {
	e.upstream("openai")
	for _, k := range []token.Kind{token.Member, token.Key} {
		tk := e.tok(k, e.member(0))
		expect(t, e.admit(tk, "openai"), limiter.Allowed, "before revoke")
		if err := e.s.RevokeToken(e.ctx, e.ws, tk.ID); err != nil {
			t.Fatal(err)
		}
		expect(t, e.admit(tk, "openai"), limiter.Revoked, "right after revoke")
	}
}

// testRemovalNextAdmit: the very next Admit after removing a member refuses
// its token, and the removal cannot be undone.
func testRemovalNextAdmit(t *testing.T, e *env) {
	e.upstream("openai")
	m := e.member(0)
	mt := e.tok(token.Member, m)
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "before removal")
	m.Status = store.MemberRemoved
	e.putMember(m)
	expect(t, e.admit(mt, "openai"), limiter.Revoked, "right after removal")
	m.Status = store.MemberActive
	if err := e.s.PutMember(e.ctx, m); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("reinstating a removed member: %v, want ErrConflict", err)
	}
	expect(t, e.admit(mt, "openai"), limiter.Revoked, "after a refused reinstatement")
}

// testUpstreamRev: the upstream revision in decisions changes with every PutUpstream and DeleteUpstream.
func testUpstreamRev(t *testing.T, e *env) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	seen := map[int64]bool{}
	check := func(what string) {
		t.Helper()
		d := e.admit(mt, "openai")
		expect(t, d, limiter.Allowed, what)
		_, rev, err := e.s.GetUpstream(e.ctx, e.ws, "openai")
		if err != nil {
			t.Fatal(err)
		}
		if d.UpstreamRev != rev || seen[rev] {
			t.Fatalf("%s: decision rev %d, GetUpstream rev %d, seen before %v", what, d.UpstreamRev, rev, seen[rev])
		}
		seen[rev] = true
	}
	check("first")
	e.upstream("anthropic")
	check("after put of another upstream")
	e.upstream("openai")
	check("after replace")
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "anthropic"); err != nil {
		t.Fatal(err)
	}
	check("after delete")
}
