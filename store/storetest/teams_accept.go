package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testAcceptInvitation: acceptance creates an active member with the
// invitation's role and a working member token, once.
func testAcceptInvitation(t *testing.T, e *tenv) {
	e.upstream("openai")
	a := e.account("new@example.com")
	inv, code := e.invite(a.Email, store.RoleAdmin, 2)
	e.clock.Advance(time.Hour)
	m, tk := e.acceptance(a.Email, a.ID)
	got, err := e.tm.AcceptInvitation(e.ctx, e.ws, code, e.clock.Now(), m, tk)
	ok(t, err, "AcceptInvitation")
	if got.ID != inv.ID || got.Status != store.InvitationAccepted || got.AcceptedBy != m.ID {
		t.Fatalf("accepted invitation %+v: want %s accepted by %s", got, inv.ID, m.ID)
	}
	if st, _ := e.tm.GetInvitation(e.ctx, e.ws, inv.ID); st.Status != store.InvitationAccepted || st.AcceptedBy != m.ID {
		t.Fatalf("stored invitation %+v: want accepted by %s", st, m.ID)
	}
	gm, err := e.s.GetMember(e.ctx, e.ws, m.ID)
	ok(t, err, "GetMember")
	if gm.Role != store.RoleAdmin || gm.Status != store.MemberActive || gm.AccountID != a.ID || gm.Email != a.Email {
		t.Fatalf("member %+v: want active admin of account %s", gm, a.ID)
	}
	if list, _ := e.s.ListMembers(e.ctx, e.ws); len(list) != 1 {
		t.Fatalf("ListMembers = %+v, want the accepted member", list)
	}
	gt, err := e.s.GetToken(e.ctx, e.ws, tk.ID)
	ok(t, err, "GetToken")
	if !sameToken(gt, tk) {
		t.Fatalf("token %+v, want %+v", gt, tk)
	}
	if ms, _ := e.tm.ListMemberships(e.ctx, a.ID); len(ms) != 1 || ms[0].ID != m.ID {
		t.Fatalf("ListMemberships = %+v, want %s", ms, m.ID)
	}
	d := e.admit(tk, "openai")
	expect(t, d, limiter.Allowed, "token of the accepted member")
	if d.MemberID != m.ID {
		t.Fatalf("decision member %s, want %s", d.MemberID, m.ID)
	}
	// The accepted member takes the seat its invitation held.
	inv2, _ := e.newInvitation("next@example.com", store.RoleMember)
	ok(t, e.tm.CreateInvitation(e.ctx, inv2, 2, e.clock.Now()), "second seat of 2")
	inv3, _ := e.newInvitation("third@example.com", store.RoleMember)
	seatErr(t, e.tm.CreateInvitation(e.ctx, inv3, 2, e.clock.Now()), 2, 2, "third seat of 2")
	m2, tk2 := e.acceptance(a.Email, token.NewID())
	got, err = e.tm.AcceptInvitation(e.ctx, e.ws, code, e.clock.Now(), m2, tk2)
	isErr(t, err, store.ErrConflict, "second accept")
	if got == nil || got.Status != store.InvitationAccepted {
		t.Fatalf("second accept returned %+v, want the accepted invitation", got)
	}
	if _, err := e.s.GetMember(e.ctx, e.ws, m2.ID); err == nil {
		t.Fatal("a refused acceptance stored its member")
	}
}

// testAcceptRefusals: expired and cancelled invitations are ErrConflict, unknown codes ErrNotFound.
func testAcceptRefusals(t *testing.T, e *tenv) {
	e.upstream("openai")
	exp, expCode := e.invite("late@example.com", store.RoleMember, 0)
	can, canCode := e.invite("cancel@example.com", store.RoleMember, 0)
	can.Status = store.InvitationCancelled
	ok(t, e.tm.UpdateInvitation(e.ctx, can, store.InvitationPending), "cancel")
	e.clock.Set(exp.ExpiresAt)
	for what, code := range map[string]token.Hash{"expired": expCode, "cancelled": canCode} {
		m, tk := e.acceptance(what+"@example.com", token.NewID())
		got, err := e.tm.AcceptInvitation(e.ctx, e.ws, code, e.clock.Now(), m, tk)
		isErr(t, err, store.ErrConflict, what)
		if got == nil || got.CodeHash != code {
			t.Fatalf("%s: returned invitation %+v, want the refused one", what, got)
		}
		if _, err := e.s.GetMember(e.ctx, e.ws, m.ID); err == nil {
			t.Fatalf("%s: the refused acceptance stored its member", what)
		}
		expect(t, e.admit(tk, "openai"), limiter.Unknown, what+": token of a refused acceptance")
	}
	if got, _ := e.tm.GetInvitation(e.ctx, e.ws, exp.ID); got.Status != store.InvitationPending {
		t.Fatalf("expired invitation stored as %v, want pending (it reads as expired)", got.Status)
	}
	m, tk := e.acceptance("who@example.com", token.NewID())
	_, err := e.tm.AcceptInvitation(e.ctx, e.ws, token.HashOf([]byte("inv_nope")), e.clock.Now(), m, tk)
	isErr(t, err, store.ErrNotFound, "unknown code")
}

// testAcceptActiveAccount: an account that is already an active member cannot accept again.
func testAcceptActiveAccount(t *testing.T, e *tenv) {
	a := e.account("twice@example.com")
	e.memberIn(e.ws, "other-address@example.com", store.RoleMember, a.ID)
	inv, code := e.invite(a.Email, store.RoleReader, 0)
	m, tk := e.acceptance(a.Email, a.ID)
	_, err := e.tm.AcceptInvitation(e.ctx, e.ws, code, e.clock.Now(), m, tk)
	isErr(t, err, store.ErrExists, "accept by an active member's account")
	if got, _ := e.tm.GetInvitation(e.ctx, e.ws, inv.ID); got.Status != store.InvitationPending {
		t.Fatalf("invitation %v after a refused accept, want still pending", got.Status)
	}
}
