package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

func sameInvitation(a, b *store.Invitation) bool {
	return a.ID == b.ID && a.WorkspaceID == b.WorkspaceID && a.Email == b.Email && a.Role == b.Role &&
		a.CodeHash == b.CodeHash && a.Status == b.Status && a.InvitedBy == b.InvitedBy &&
		a.AcceptedBy == b.AcceptedBy && a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.Mailed == b.Mailed
}

// testInvitationCRUD: invitations round-trip and list by id; unknown ones are ErrNotFound.
func testInvitationCRUD(t *testing.T, e *tenv) {
	var ids []string
	var first *store.Invitation
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		inv, _ := e.invite(email, store.RoleReader, 0)
		ids = append(ids, inv.ID)
		if first == nil {
			first = inv
		}
	}
	got, err := e.tm.GetInvitation(e.ctx, e.ws, first.ID)
	ok(t, err, "GetInvitation")
	if !sameInvitation(got, first) {
		t.Fatalf("GetInvitation = %+v, want %+v", got, first)
	}
	list, err := e.tm.ListInvitations(e.ctx, e.ws)
	ok(t, err, "ListInvitations")
	var gotIDs []string
	for _, x := range list {
		gotIDs = append(gotIDs, x.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(gotIDs, ids) {
		t.Fatalf("ListInvitations ids %v, want %v", gotIDs, ids)
	}
	_, err = e.tm.GetInvitation(e.ctx, e.ws, token.NewID())
	isErr(t, err, store.ErrNotFound, "GetInvitation unknown")
	_, err = e.tm.GetInvitation(e.ctx, e.workspace(store.Limits{}), first.ID)
	isErr(t, err, store.ErrNotFound, "GetInvitation from another workspace")
	inv, _ := e.newInvitation("z@example.com", store.RoleMember)
	inv.WorkspaceID = token.NewID()
	isErr(t, e.tm.CreateInvitation(e.ctx, inv, 0, e.clock.Now()), store.ErrNotFound, "CreateInvitation in unknown workspace")
}

// testInvitationDuplicate: a pending invitation or an active member with the email is ErrExists.
func testInvitationDuplicate(t *testing.T, e *tenv) {
	e.invite("pat@example.com", store.RoleMember, 0)
	dup, _ := e.newInvitation("pat@example.com", store.RoleAdmin)
	isErr(t, e.tm.CreateInvitation(e.ctx, dup, 0, e.clock.Now()), store.ErrExists, "second pending invitation")
	m := e.memberIn(e.ws, "sam@example.com", store.RoleMember, "")
	inv, _ := e.newInvitation("sam@example.com", store.RoleMember)
	isErr(t, e.tm.CreateInvitation(e.ctx, inv, 0, e.clock.Now()), store.ErrExists, "invitation of an active member")
	m.Status = store.MemberRemoved
	e.putMember(m)
	ok(t, e.tm.CreateInvitation(e.ctx, inv, 0, e.clock.Now()), "invitation of a removed member")
	if list, _ := e.tm.ListInvitations(e.ctx, e.ws); len(list) != 2 {
		t.Fatalf("%d invitations stored, want 2 (refused ones must not be stored)", len(list))
	}
}

// testInvitationSeats: active members plus pending invitations are counted against seats.
func testInvitationSeats(t *testing.T, e *tenv) {
	e.memberIn(e.ws, "o@example.com", store.RoleOwner, "")
	gone := e.memberIn(e.ws, "gone@example.com", store.RoleMember, "")
	gone.Status = store.MemberRemoved
	e.putMember(gone) // removed members take no seat
	e.invite("i1@example.com", store.RoleMember, 3)
	e.invite("i2@example.com", store.RoleMember, 3)
	inv, _ := e.newInvitation("i3@example.com", store.RoleMember)
	seatErr(t, e.tm.CreateInvitation(e.ctx, inv, 3, e.clock.Now()), 3, 3, "fourth seat of 3")
	ok(t, e.tm.CreateInvitation(e.ctx, inv, 4, e.clock.Now()), "fourth seat of 4")
	// Cancelled invitations free their seat.
	c, _ := e.newInvitation("i4@example.com", store.RoleMember)
	seatErr(t, e.tm.CreateInvitation(e.ctx, c, 4, e.clock.Now()), 4, 4, "fifth seat of 4")
	inv.Status = store.InvitationCancelled
	ok(t, e.tm.UpdateInvitation(e.ctx, inv, store.InvitationPending), "cancel")
	ok(t, e.tm.CreateInvitation(e.ctx, c, 4, e.clock.Now()), "seat freed by cancel")
}

// testInvitationExpired: an expired pending invitation neither takes a seat nor blocks its email.
func testInvitationExpired(t *testing.T, e *tenv) {
	old, _ := e.invite("x@example.com", store.RoleMember, 1)
	inv, _ := e.newInvitation("y@example.com", store.RoleMember)
	seatErr(t, e.tm.CreateInvitation(e.ctx, inv, 1, e.clock.Now()), 1, 1, "seat taken by a pending invitation")
	e.clock.Set(old.ExpiresAt.Add(-time.Millisecond))
	seatErr(t, e.tm.CreateInvitation(e.ctx, inv, 1, e.clock.Now()), 1, 1, "a millisecond before expiry")
	e.clock.Set(old.ExpiresAt)
	again, _ := e.newInvitation("x@example.com", store.RoleAdmin)
	ok(t, e.tm.CreateInvitation(e.ctx, again, 1, e.clock.Now()), "same email after expiry")
	got, err := e.tm.GetInvitation(e.ctx, e.ws, old.ID)
	ok(t, err, "GetInvitation")
	if got.State(e.clock.Now()) != store.InvitationExpired {
		t.Fatalf("old invitation state %v, want expired", got.State(e.clock.Now()))
	}
}

// testInvitationUnlimited: seats <= 0 never refuse.
func testInvitationUnlimited(t *testing.T, e *tenv) {
	for i, seats := range []int{0, -1, 0, -5} {
		e.invite(string(rune('a'+i))+"@example.com", store.RoleMember, seats)
	}
}

// testInvitationRace: 20 concurrent invitations for the last seat: exactly one wins.
func testInvitationRace(t *testing.T, e *tenv) {
	e.memberIn(e.ws, "o@example.com", store.RoleOwner, "")
	const n = 20
	invs := make([]*store.Invitation, n)
	for i := range invs {
		invs[i], _ = e.newInvitation(token.NewID()+"@example.com", store.RoleMember)
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = e.tm.CreateInvitation(e.ctx, invs[i], 2, e.clock.Now())
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		var se *store.SeatError
		switch {
		case err == nil:
			won++
		case !errors.As(err, &se):
			t.Fatalf("racing CreateInvitation: %v, want nil or *store.SeatError", err)
		}
	}
	list, err := e.tm.ListInvitations(e.ctx, e.ws)
	ok(t, err, "ListInvitations")
	if won != 1 || len(list) != 1 {
		t.Fatalf("%d invitations won the last seat, %d stored; want exactly 1", won, len(list))
	}
}

// testUpdateInvitation: UpdateInvitation replaces only from the expected status;
// a resend's new code replaces the old one.
func testUpdateInvitation(t *testing.T, e *tenv) {
	inv, oldCode := e.invite("r@example.com", store.RoleMember, 0)
	e.clock.Advance(time.Hour)
	_, newCode := e.newInvitation("unused@example.com", store.RoleMember)
	inv.CodeHash, inv.ExpiresAt = newCode, e.clock.Now().Add(store.InvitationTTL)
	ok(t, e.tm.UpdateInvitation(e.ctx, inv, store.InvitationPending), "resend")
	got, err := e.tm.GetInvitation(e.ctx, e.ws, inv.ID)
	ok(t, err, "GetInvitation")
	if !sameInvitation(got, inv) {
		t.Fatalf("after resend %+v, want %+v", got, inv)
	}
	m, tk := e.acceptance(inv.Email, "")
	_, err = e.tm.AcceptInvitation(e.ctx, e.ws, oldCode, e.clock.Now(), m, tk)
	isErr(t, err, store.ErrNotFound, "accept with the code replaced by resend")
	stale := *inv
	stale.Status = store.InvitationDeclined
	isErr(t, e.tm.UpdateInvitation(e.ctx, &stale, store.InvitationAccepted), store.ErrConflict, "from the wrong status")
	inv.Status = store.InvitationCancelled
	ok(t, e.tm.UpdateInvitation(e.ctx, inv, store.InvitationPending), "cancel")
	isErr(t, e.tm.UpdateInvitation(e.ctx, &stale, store.InvitationPending), store.ErrConflict, "decline after cancel")
	if got, _ := e.tm.GetInvitation(e.ctx, e.ws, inv.ID); got.Status != store.InvitationCancelled {
		t.Fatalf("status %v after a refused update, want cancelled", got.Status)
	}
	missing, _ := e.newInvitation("q@example.com", store.RoleMember)
	isErr(t, e.tm.UpdateInvitation(e.ctx, missing, store.InvitationPending), store.ErrNotFound, "unknown invitation")
}
