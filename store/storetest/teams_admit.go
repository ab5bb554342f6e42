package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testAdmitReader: a reader's member token is RoleForbidden, after Revoked and
// before UpstreamUnknown, and never counted; keys a reader created still work.
func testAdmitReader(t *testing.T, e *tenv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 1, WorkspaceRPM: 2})
	r := e.memberIn(e.ws, "r@example.com", store.RoleReader, "")
	rt := e.tok(token.Member, r)
	for range 3 {
		expect(t, e.admit(rt, "openai"), limiter.RoleForbidden, "reader")
	}
	expect(t, e.admit(rt, "nosuch"), limiter.RoleForbidden, "reader on an unknown upstream")
	revoked := e.tok(token.Member, r, func(t *store.Token) { t.Status = store.TokenRevoked })
	expect(t, e.admit(revoked, "openai"), limiter.Revoked, "revoked token of a reader")
	expect(t, e.admit(e.tok(token.Key, r), "openai"), limiter.Allowed, "key created by a reader")
	r.Role = store.RoleMember
	e.putMember(r)
	// The reader's refused requests were not counted against member or workspace.
	expect(t, e.admit(rt, "openai"), limiter.Allowed, "promoted to member")
	expect(t, e.admit(rt, "openai"), limiter.Limited, "member limit 1")
	r.Role, r.Status = store.RoleReader, store.MemberRemoved
	e.putMember(r)
	expect(t, e.admit(rt, "openai"), limiter.Revoked, "removed reader")
}

// testRoleChangeNextAdmit: a role change through PutMember is seen by the very next Admit.
func testRoleChangeNextAdmit(t *testing.T, e *tenv) {
	e.upstream("openai")
	m := e.memberIn(e.ws, "c@example.com", store.RoleAdmin, "")
	mt := e.tok(token.Member, m)
	for _, step := range []struct {
		role string
		want limiter.Outcome
	}{{store.RoleAdmin, limiter.Allowed}, {store.RoleReader, limiter.RoleForbidden},
		{store.RoleMember, limiter.Allowed}, {store.RoleReader, limiter.RoleForbidden}, {store.RoleAdmin, limiter.Allowed}} {
		m.Role = step.role
		e.putMember(m)
		expect(t, e.admit(mt, "openai"), step.want, "role "+step.role)
	}
	o := e.memberIn(e.ws, "o@example.com", store.RoleOwner, "")
	ok(t, e.tm.TransferOwnership(e.ctx, e.ws, o.ID, m.ID), "TransferOwnership") // the only way to owner
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "role owner")
}

// lastSeen returns the member's LastActive from GetMember and ListMembers
// and the token's LastUsed from GetToken and ListTokens, failing if the two
// reads of either disagree.
func (e *tenv) lastSeen(m *store.Member, tk *store.Token) (active, used time.Time) {
	e.t.Helper()
	gm, err := e.s.GetMember(e.ctx, e.ws, m.ID)
	ok(e.t, err, "GetMember")
	gt, err := e.s.GetToken(e.ctx, e.ws, tk.ID)
	ok(e.t, err, "GetToken")
	ms, err := e.s.ListMembers(e.ctx, e.ws)
	ok(e.t, err, "ListMembers")
	ts, err := e.s.ListTokens(e.ctx, e.ws)
	ok(e.t, err, "ListTokens")
	for _, x := range ms {
		if x.ID == m.ID && !x.LastActive.Equal(gm.LastActive) {
			e.t.Fatalf("ListMembers LastActive %v, GetMember %v", x.LastActive, gm.LastActive)
		}
	}
	for _, x := range ts {
		if x.ID == tk.ID && !x.LastUsed.Equal(gt.LastUsed) {
			e.t.Fatalf("ListTokens LastUsed %v, GetToken %v", x.LastUsed, gt.LastUsed)
		}
	}
	return gm.LastActive, gt.LastUsed
}

// testLastActive: an admitted Admit records the member's LastActive and the
// token's LastUsed, at most once a minute; refused ones record nothing.
func testLastActive(t *testing.T, e *tenv) {
	e.upstream("openai")
	m := e.memberIn(e.ws, "l@example.com", store.RoleMember, "")
	mt := e.tok(token.Member, m)
	k := e.tok(token.Key, m)
	e.clock.Set(at(7 * time.Second))
	expect(t, e.admit(mt, "nosuch"), limiter.UpstreamUnknown, "refused")
	if a, u := e.lastSeen(m, mt); !a.IsZero() || !u.IsZero() {
		t.Fatalf("after a refused Admit: LastActive %v, LastUsed %v; want zero", a, u)
	}
	first := e.clock.Now()
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "first")
	a1, u1 := e.lastSeen(m, mt)
	if !sameMinute(a1, first) || !sameMinute(u1, first) {
		t.Fatalf("after Admit at %v: LastActive %v, LastUsed %v; want that time to the minute", first, a1, u1)
	}
	e.clock.Advance(30 * time.Second)
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "30 s later")
	if a, u := e.lastSeen(m, mt); !a.Equal(a1) || !u.Equal(u1) {
		t.Fatalf("30 s later: LastActive %v, LastUsed %v; want unchanged %v, %v", a, u, a1, u1)
	}
	e.clock.Set(first.Add(61 * time.Second))
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "61 s later")
	if a, u := e.lastSeen(m, mt); !a.After(a1) || !u.After(u1) || !sameMinute(a, e.clock.Now()) || !sameMinute(u, e.clock.Now()) {
		t.Fatalf("61 s later at %v: LastActive %v, LastUsed %v; want updated", e.clock.Now(), a, u)
	}
	// A key records its own LastUsed, never its creator's LastActive.
	before, _ := e.lastSeen(m, mt)
	e.clock.Advance(5 * time.Minute)
	expect(t, e.admit(k, "openai"), limiter.Allowed, "key")
	if a, u := e.lastSeen(m, k); !a.Equal(before) || !sameMinute(u, e.clock.Now()) {
		t.Fatalf("after the key's Admit: creator LastActive %v (want %v), key LastUsed %v (want %v)", a, before, u, e.clock.Now())
	}
}

// testPutMemberKeepsLastActive: PutMember never changes the stored LastActive.
func testPutMemberKeepsLastActive(t *testing.T, e *tenv) {
	e.upstream("openai")
	m := e.memberIn(e.ws, "k@example.com", store.RoleMember, "")
	mt := e.tok(token.Member, m)
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "admit")
	want, _ := e.lastSeen(m, mt)
	if want.IsZero() {
		t.Fatal("LastActive not recorded")
	}
	m.RPM, m.LastActive = 50, time.Time{}
	e.putMember(m)
	if got, _ := e.lastSeen(m, mt); !got.Equal(want) {
		t.Fatalf("after PutMember with zero LastActive: %v, want %v", got, want)
	}
	m.LastActive = at(time.Hour)
	e.putMember(m)
	if got, _ := e.lastSeen(m, mt); !got.Equal(want) {
		t.Fatalf("after PutMember with LastActive set: %v, want %v", got, want)
	}
	fresh := &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: "f@example.com", Role: store.RoleMember,
		Status: store.MemberActive, CreatedAt: e.clock.Now(), LastActive: at(time.Hour)}
	e.putMember(fresh)
	if got, _ := e.s.GetMember(e.ctx, e.ws, fresh.ID); !got.LastActive.IsZero() {
		t.Fatalf("new member stored with LastActive %v, want zero", got.LastActive)
	}
}
