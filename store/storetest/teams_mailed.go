package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// testInvitationMailed: Mailed is stored by CreateInvitation, replaced by
// UpdateInvitation, set by ReopenInvitation (to true or back to false) and
// kept by AcceptInvitation.
func testInvitationMailed(t *testing.T, e *tenv) {
	inv, _ := e.newInvitation("m@example.com", store.RoleMember)
	inv.Mailed = true
	ok(t, e.tm.CreateInvitation(e.ctx, inv, 0, e.clock.Now()), "create a mailed invitation")
	e.wantMailed(inv.ID, true, "after create")
	inv.Mailed = false
	ok(t, e.tm.UpdateInvitation(e.ctx, inv, store.InvitationPending), "update clearing Mailed")
	e.wantMailed(inv.ID, false, "after an update to false")
	inv.Mailed = true
	ok(t, e.tm.UpdateInvitation(e.ctx, inv, store.InvitationPending), "update setting Mailed")
	e.wantMailed(inv.ID, true, "after an update to true")
	c := *inv
	c.Mailed = false
	_, err := e.reopen(&c, 0)
	ok(t, err, "reopen with Mailed false")
	e.wantMailed(inv.ID, false, "after a reopen with Mailed false")
	c.Mailed = true
	code, err := e.reopen(&c, 0)
	ok(t, err, "reopen with Mailed true")
	e.wantMailed(inv.ID, true, "after a reopen with Mailed true")
	list, err := e.tm.ListInvitations(e.ctx, e.ws)
	ok(t, err, "ListInvitations")
	if len(list) != 1 || !list[0].Mailed {
		t.Fatalf("ListInvitations = %+v, want one mailed invitation", list)
	}
	m, tk := e.acceptance(inv.Email, "")
	got, err := e.tm.AcceptInvitation(e.ctx, e.ws, code, e.clock.Now(), m, tk)
	ok(t, err, "accept")
	if !got.Mailed {
		t.Fatalf("AcceptInvitation returned %+v, want Mailed kept", got)
	}
	e.wantMailed(inv.ID, true, "after acceptance")
}

// wantMailed fails unless the stored invitation id has Mailed == want.
func (e *tenv) wantMailed(id string, want bool, what string) {
	e.t.Helper()
	got, err := e.tm.GetInvitation(e.ctx, e.ws, id)
	if err != nil {
		e.t.Fatalf("GetInvitation %s: %v", what, err)
	}
	if got.Mailed != want {
		e.t.Fatalf("%s: Mailed = %v, want %v", what, got.Mailed, want)
	}
}
