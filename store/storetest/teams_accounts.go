package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testAccountCRUD: accounts round-trip by id and email; a taken email is ErrExists.
func testAccountCRUD(t *testing.T, e *tenv) {
	a := e.account("ann@example.com")
	for what, get := range map[string]func() (*store.Account, error){
		"GetAccount":        func() (*store.Account, error) { return e.tm.GetAccount(e.ctx, a.ID) },
		"GetAccountByEmail": func() (*store.Account, error) { return e.tm.GetAccountByEmail(e.ctx, a.Email) },
	} {
		got, err := get()
		ok(t, err, what)
		if got.ID != a.ID || got.Email != a.Email || got.PersonalWorkspaceID != a.PersonalWorkspaceID || !got.CreatedAt.Equal(a.CreatedAt) {
			t.Fatalf("%s = %+v, want %+v", what, got, a)
		}
	}
	dup := &store.Account{ID: token.NewID(), Email: a.Email, PersonalWorkspaceID: a.PersonalWorkspaceID, CreatedAt: a.CreatedAt}
	isErr(t, e.tm.CreateAccount(e.ctx, dup), store.ErrExists, "CreateAccount with taken email")
	if got, err := e.tm.GetAccountByEmail(e.ctx, a.Email); err != nil || got.ID != a.ID {
		t.Fatalf("after refused duplicate: %+v, %v; want account %s", got, err, a.ID)
	}
	_, err := e.tm.GetAccount(e.ctx, dup.ID)
	isErr(t, err, store.ErrNotFound, "GetAccount of the refused duplicate")
	_, err = e.tm.GetAccountByEmail(e.ctx, "nobody@example.com")
	isErr(t, err, store.ErrNotFound, "GetAccountByEmail unknown")
}

// testListMemberships: every member record of an account, any status, ordered by workspace id.
func testListMemberships(t *testing.T, e *tenv) {
	a := e.account("bob@example.com")
	other := e.workspace(store.Limits{})
	m1 := e.memberIn(e.ws, a.Email, store.RoleMember, a.ID)
	m2 := e.memberIn(other, a.Email, store.RoleAdmin, a.ID)
	m2.Status = store.MemberRemoved
	e.putMember(m2)
	e.memberIn(e.ws, "carol@example.com", store.RoleMember, token.NewID()) // someone else
	list, err := e.tm.ListMemberships(e.ctx, a.ID)
	ok(t, err, "ListMemberships")
	want := []*store.Member{m1, m2}
	slices.SortFunc(want, func(x, y *store.Member) int { return strings.Compare(x.WorkspaceID, y.WorkspaceID) })
	if len(list) != 2 {
		t.Fatalf("ListMemberships = %+v, want the 2 memberships %s and %s", list, m1.ID, m2.ID)
	}
	for i, w := range want {
		g := list[i]
		if g.ID != w.ID || g.WorkspaceID != w.WorkspaceID || g.Role != w.Role || g.Status != w.Status || g.AccountID != a.ID {
			t.Fatalf("membership %d = %+v, want %+v", i, g, w)
		}
	}
	if list, err := e.tm.ListMemberships(e.ctx, token.NewID()); err != nil || len(list) != 0 {
		t.Fatalf("ListMemberships of unknown account = %v, %v; want empty", list, err)
	}
}

// testUpdateWorkspace: Name, Personal and Plan change; Limits do not; unknown is ErrNotFound.
func testUpdateWorkspace(t *testing.T, e *tenv) {
	l := store.Limits{MemberRPM: 5, KeyRPM: 6, WorkspaceRPM: 7}
	e.setLimits(l)
	w, err := e.s.GetWorkspace(e.ctx, e.ws)
	ok(t, err, "GetWorkspace")
	w.Name, w.Personal, w.Plan = "Renamed", true, "pro"
	w.Limits = store.Limits{MemberRPM: 1}
	ok(t, e.tm.UpdateWorkspace(e.ctx, w), "UpdateWorkspace")
	got, err := e.s.GetWorkspace(e.ctx, e.ws)
	ok(t, err, "GetWorkspace after update")
	if got.Name != "Renamed" || !got.Personal || got.Plan != "pro" || got.Limits != l || !got.CreatedAt.Equal(w.CreatedAt) {
		t.Fatalf("after UpdateWorkspace: %+v, want name Renamed, personal, plan pro, limits %+v unchanged", got, l)
	}
	w.Personal, w.Plan = false, ""
	ok(t, e.tm.UpdateWorkspace(e.ctx, w), "UpdateWorkspace back")
	if got, _ := e.s.GetWorkspace(e.ctx, e.ws); got.Personal || got.Plan != "" {
		t.Fatalf("after clearing personal and plan: %+v", got)
	}
	missing := &store.Workspace{ID: token.NewID(), Name: "x"}
	isErr(t, e.tm.UpdateWorkspace(e.ctx, missing), store.ErrNotFound, "UpdateWorkspace unknown")
	if _, err := e.s.GetWorkspace(e.ctx, missing.ID); err == nil {
		t.Fatal("UpdateWorkspace of an unknown id created it")
	}
}

// testDeleteWorkspace: after DeleteWorkspace its tokens are Unknown at once, every
// record is ErrNotFound, lists and memberships forget it, and other workspaces stay.
func testDeleteWorkspace(t *testing.T, e *tenv) {
	e.upstream("openai")
	a := e.account("dora@example.com")
	m := e.memberIn(e.ws, a.Email, store.RoleMember, a.ID)
	mt, k := e.tok(token.Member, m), e.tok(token.Key, m)
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "before delete")
	inv, _ := e.invite("erin@example.com", store.RoleMember, 0)
	ok(t, e.tm.AppendAudit(e.ctx, &store.AuditEntry{ID: token.NewID(), WorkspaceID: e.ws, Time: e.clock.Now(),
		ActorKind: "operator", Action: "member.add"}), "AppendAudit")
	keep := e.memberIn(a.PersonalWorkspaceID, a.Email, store.RoleOwner, a.ID)

	ok(t, e.tm.DeleteWorkspace(e.ctx, e.ws), "DeleteWorkspace")
	expect(t, e.admit(mt, "openai"), limiter.Unknown, "member token right after delete")
	expect(t, e.admit(k, "openai"), limiter.Unknown, "key right after delete")
	_, err := e.s.GetWorkspace(e.ctx, e.ws)
	isErr(t, err, store.ErrNotFound, "GetWorkspace")
	_, err = e.s.GetMember(e.ctx, e.ws, m.ID)
	isErr(t, err, store.ErrNotFound, "GetMember")
	_, err = e.s.GetToken(e.ctx, e.ws, mt.ID)
	isErr(t, err, store.ErrNotFound, "GetToken")
	_, err = e.tm.GetTokenByHash(e.ctx, e.ws, k.Hash)
	isErr(t, err, store.ErrNotFound, "GetTokenByHash")
	_, _, err = e.s.GetUpstream(e.ctx, e.ws, "openai")
	isErr(t, err, store.ErrNotFound, "GetUpstream")
	_, err = e.tm.GetInvitation(e.ctx, e.ws, inv.ID)
	isErr(t, err, store.ErrNotFound, "GetInvitation")
	if list, err := e.tm.ListAudit(e.ctx, e.ws, store.AuditQuery{}); (err != nil && !errors.Is(err, store.ErrNotFound)) || len(list) != 0 {
		t.Fatalf("ListAudit after delete = %v, %v; want empty or ErrNotFound", list, err)
	}
	list, err := e.s.ListWorkspaces(e.ctx)
	ok(t, err, "ListWorkspaces")
	for _, w := range list {
		if w.ID == e.ws {
			t.Fatalf("ListWorkspaces still lists the deleted workspace %s", e.ws)
		}
	}
	ms, err := e.tm.ListMemberships(e.ctx, a.ID)
	ok(t, err, "ListMemberships")
	if len(ms) != 1 || ms[0].ID != keep.ID {
		t.Fatalf("ListMemberships after delete = %+v, want only %s", ms, keep.ID)
	}
	isErr(t, e.tm.DeleteWorkspace(e.ctx, e.ws), store.ErrNotFound, "DeleteWorkspace again")
	if _, err := e.s.GetWorkspace(e.ctx, a.PersonalWorkspaceID); err != nil {
		t.Fatalf("another workspace went too: %v", err)
	}
}

// testGetTokenByHash: the token of the workspace by hash, with its current status.
func testGetTokenByHash(t *testing.T, e *tenv) {
	m := e.member(0)
	mt := e.tok(token.Member, m)
	k := e.tok(token.Key, m, func(t *store.Token) { t.Upstreams, t.RPM = []string{"openai"}, 9 })
	for _, want := range []*store.Token{mt, k} {
		got, err := e.tm.GetTokenByHash(e.ctx, e.ws, want.Hash)
		ok(t, err, "GetTokenByHash")
		if !sameToken(got, want) {
			t.Fatalf("GetTokenByHash = %+v, want %+v", got, want)
		}
	}
	ok(t, e.s.RevokeToken(e.ctx, e.ws, mt.ID), "RevokeToken")
	if got, err := e.tm.GetTokenByHash(e.ctx, e.ws, mt.Hash); err != nil || got.Status != store.TokenRevoked {
		t.Fatalf("GetTokenByHash after revoke = %+v, %v; want revoked", got, err)
	}
	_, err := e.tm.GetTokenByHash(e.ctx, e.ws, token.HashOf([]byte("nope")))
	isErr(t, err, store.ErrNotFound, "unknown hash")
	other := e.workspace(store.Limits{})
	_, err = e.tm.GetTokenByHash(e.ctx, other, k.Hash)
	isErr(t, err, store.ErrNotFound, "hash of another workspace")
}
