package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// reopen gives inv a fresh code expiring InvitationTTL from now and reopens it.
func (e *tenv) reopen(inv *store.Invitation, seats int) (token.Hash, error) {
	e.t.Helper()
	fresh, h := e.newInvitation("unused@example.com", store.RoleMember)
	c := *inv
	c.CodeHash, c.ExpiresAt = h, fresh.ExpiresAt
	return h, e.tm.ReopenInvitation(e.ctx, &c, seats, e.clock.Now())
}

// testReopenInvitation: a pending invitation gets a new code and expiry and
// keeps its seat; the old code stops working; an unknown or cancelled one is
// refused.
func testReopenInvitation(t *testing.T, e *tenv) {
	e.memberIn(e.ws, "o@example.com", store.RoleOwner, "")
	inv, old := e.invite("r@example.com", store.RoleMember, 2)
	e.clock.Advance(time.Hour)
	code, err := e.reopen(inv, 2) // full (2 of 2), but it holds its own seat
	ok(t, err, "reopen a pending invitation in a full workspace")
	got, err := e.tm.GetInvitation(e.ctx, e.ws, inv.ID)
	ok(t, err, "GetInvitation")
	if got.CodeHash != code || !got.ExpiresAt.Equal(e.clock.Now().Add(store.InvitationTTL)) ||
		got.Email != inv.Email || got.Role != inv.Role || got.Status != store.InvitationPending {
		t.Fatalf("after reopen %+v", got)
	}
	m, tk := e.acceptance(inv.Email, "")
	_, err = e.tm.AcceptInvitation(e.ctx, e.ws, old, e.clock.Now(), m, tk)
	isErr(t, err, store.ErrNotFound, "accept with the replaced code")
	_, err = e.tm.AcceptInvitation(e.ctx, e.ws, code, e.clock.Now(), m, tk)
	ok(t, err, "accept with the new code")
	_, err = e.reopen(got, 0)
	isErr(t, err, store.ErrConflict, "reopen an accepted invitation")
	missing, _ := e.newInvitation("q@example.com", store.RoleMember)
	isErr(t, e.tm.ReopenInvitation(e.ctx, missing, 0, e.clock.Now()), store.ErrNotFound, "unknown invitation")
}

// testReopenExpiredChecksSeats: an expired invitation holds no seat, so
// reopening it needs a free seat and an email nobody else took meanwhile.
func testReopenExpiredChecksSeats(t *testing.T, e *tenv) {
	e.memberIn(e.ws, "o@example.com", store.RoleOwner, "")
	inv, _ := e.invite("late@example.com", store.RoleMember, 2)
	e.clock.Advance(store.InvitationTTL + time.Second)
	e.invite("other@example.com", store.RoleMember, 2) // takes the freed seat
	_, err := e.reopen(inv, 2)
	seatErr(t, err, 2, 2, "reopen an expired invitation in a full workspace")
	if got, _ := e.tm.GetInvitation(e.ctx, e.ws, inv.ID); got.State(e.clock.Now()) != store.InvitationExpired {
		t.Fatalf("a refused reopen changed the invitation: %+v", got)
	}
	_, err = e.reopen(inv, 3)
	ok(t, err, "reopen with a seat free")
	e.clock.Advance(store.InvitationTTL + time.Second)
	e.invite("late@example.com", store.RoleMember, 0) // a new invitation to the same person
	_, err = e.reopen(inv, 0)
	isErr(t, err, store.ErrExists, "reopen while the email has another pending invitation")
}
