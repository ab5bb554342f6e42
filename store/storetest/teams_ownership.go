package storetest

import (
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// roles fails unless the members with the given ids have the given roles.
func (e *tenv) roles(want map[string]string, what string) {
	e.t.Helper()
	for id, role := range want {
		m, err := e.s.GetMember(e.ctx, e.ws, id)
		ok(e.t, err, "GetMember")
		if m.Role != role {
			e.t.Fatalf("%s: member %s is %s, want %s", what, id, m.Role, role)
		}
	}
}

// testTransferOwnership: the owner becomes an admin and the admin the owner
// in one step; every other starting point is ErrConflict and changes nothing.
func testTransferOwnership(t *testing.T, e *tenv) {
	o := e.memberIn(e.ws, "o@example.com", store.RoleOwner, "")
	a := e.memberIn(e.ws, "a@example.com", store.RoleAdmin, "")
	m := e.memberIn(e.ws, "m@example.com", store.RoleMember, "")
	gone := e.memberIn(e.ws, "g@example.com", store.RoleAdmin, "")
	gone.Status = store.MemberRemoved
	e.putMember(gone)
	for what, ids := range map[string][2]string{
		"to a member":         {o.ID, m.ID},
		"to a removed admin":  {o.ID, gone.ID},
		"from a non-owner":    {a.ID, o.ID},
		"to the owner itself": {o.ID, o.ID},
	} {
		isErr(t, e.tm.TransferOwnership(e.ctx, e.ws, ids[0], ids[1]), store.ErrConflict, what)
	}
	e.roles(map[string]string{o.ID: store.RoleOwner, a.ID: store.RoleAdmin, m.ID: store.RoleMember}, "after refusals")
	isErr(t, e.tm.TransferOwnership(e.ctx, e.ws, o.ID, token.NewID()), store.ErrNotFound, "unknown target")
	isErr(t, e.tm.TransferOwnership(e.ctx, token.NewID(), o.ID, a.ID), store.ErrNotFound, "unknown workspace")
	ok(t, e.tm.TransferOwnership(e.ctx, e.ws, o.ID, a.ID), "TransferOwnership")
	e.roles(map[string]string{o.ID: store.RoleAdmin, a.ID: store.RoleOwner}, "after transfer")
	isErr(t, e.tm.TransferOwnership(e.ctx, e.ws, o.ID, a.ID), store.ErrConflict, "the same transfer again")
}

// testTransferOwnershipRace: two admins race to receive ownership from the
// same owner: exactly one wins and the workspace has exactly one owner.
func testTransferOwnershipRace(t *testing.T, e *tenv) {
	o := e.memberIn(e.ws, "o@example.com", store.RoleOwner, "")
	const n = 10
	admins := make([]*store.Member, n)
	for i := range admins {
		admins[i] = e.memberIn(e.ws, "a@example.com", store.RoleAdmin, "")
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = e.tm.TransferOwnership(e.ctx, e.ws, o.ID, admins[i].ID)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			isErr(t, err, store.ErrConflict, "losing transfer")
		}
	}
	ms, err := e.s.ListMembers(e.ctx, e.ws)
	ok(t, err, "ListMembers")
	owners := 0
	for _, m := range ms {
		if m.Role == store.RoleOwner {
			owners++
		}
	}
	if won != 1 || owners != 1 {
		t.Fatalf("%d transfers won and %d owners, want 1 and 1", won, owners)
	}
}
