package storetest

import (
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// guardCases lists the properties of PutMember's checks against the stored
// member: ownership moves only through TransferOwnership, and a removed
// member stays removed, even when a stale read-modify-write loses a race.
var guardCases = []struct {
	name string
	run  func(t *testing.T, e *tenv)
}{
	{"PutMemberKeepsOwnership", testPutMemberKeepsOwnership},
	{"PutMemberNeverResurrects", testPutMemberNeverResurrects},
	{"StaleWriteRacingTransferLeavesOneOwner", testStaleWriteRacingTransfer},
	{"UpdateRacingRemovalNeverEndsActive", testUpdateRacingRemoval},
}

// RunMemberGuards runs the PutMember guard properties against the backend
// that open builds. Every subtest gets its own store and clock.
func RunMemberGuards(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, guardCases, withTeams)
}

// unchanged fails unless the stored member id still has role and status.
func (e *tenv) unchanged(ws, id, role string, status store.MemberStatus, what string) {
	e.t.Helper()
	m, err := e.s.GetMember(e.ctx, ws, id)
	ok(e.t, err, what+": GetMember")
	if m.Role != role || m.Status != status {
		e.t.Fatalf("%s: member is %s %s, want %s %s", what, m.Status, m.Role, status, role)
	}
}

// testPutMemberKeepsOwnership: replacing a member cannot demote the owner or
// promote anyone to owner (ErrConflict, nothing written); creating a new
// owner and other role changes still work.
func testPutMemberKeepsOwnership(t *testing.T, e *tenv) {
	o := e.memberIn(e.ws, "o@example.com", store.RoleOwner, "") // a new owner is allowed
	a := e.memberIn(e.ws, "a@example.com", store.RoleAdmin, "")
	for _, role := range []string{store.RoleAdmin, store.RoleMember, store.RoleReader} {
		stale := *o
		stale.Role, stale.RPM = role, 7
		isErr(t, e.s.PutMember(e.ctx, &stale), store.ErrConflict, "owner made "+role)
		e.unchanged(e.ws, o.ID, store.RoleOwner, store.MemberActive, "owner made "+role)
	}
	stale := *a
	stale.Role = store.RoleOwner
	isErr(t, e.s.PutMember(e.ctx, &stale), store.ErrConflict, "admin made owner")
	e.unchanged(e.ws, a.ID, store.RoleAdmin, store.MemberActive, "admin made owner")

	o.RPM = 9
	ok(t, e.s.PutMember(e.ctx, o), "owner keeps its role, new rpm")
	got, err := e.s.GetMember(e.ctx, e.ws, o.ID)
	ok(t, err, "GetMember")
	if got.RPM != 9 {
		t.Fatalf("owner rpm %d, want 9", got.RPM)
	}
	a.Role = store.RoleMember
	ok(t, e.s.PutMember(e.ctx, a), "admin made member")
	e.unchanged(e.ws, a.ID, store.RoleMember, store.MemberActive, "admin made member")
}

// testPutMemberNeverResurrects: a removed member cannot be made active again
// (ErrConflict, nothing written), while writing it still removed works.
func testPutMemberNeverResurrects(t *testing.T, e *tenv) {
	m := e.memberIn(e.ws, "m@example.com", store.RoleMember, "")
	stale := *m
	m.Status = store.MemberRemoved
	ok(t, e.s.PutMember(e.ctx, m), "remove")
	stale.RPM = 5
	isErr(t, e.s.PutMember(e.ctx, &stale), store.ErrConflict, "stale active write")
	e.unchanged(e.ws, m.ID, store.RoleMember, store.MemberRemoved, "stale active write")
	m.RPM = 5
	ok(t, e.s.PutMember(e.ctx, m), "removed member rewritten removed")
	e.unchanged(e.ws, m.ID, store.RoleMember, store.MemberRemoved, "rewritten removed")
}

// raceIterations is how many fresh workspaces each race test runs.
const raceIterations = 60

// race runs the functions at once, released together, and waits for them.
func race(fs ...func()) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Go(func() {
			<-start
			f()
		})
	}
	close(start)
	wg.Wait()
}

// testStaleWriteRacingTransfer: the owner transfers ownership to admin A
// while an admin writes back A's (and the owner's) record read before the
// transfer, as a PATCH of rpm or a removal would: whatever the order, the
// workspace ends with exactly one active owner, and a loser fails with
// ErrConflict.
func testStaleWriteRacingTransfer(t *testing.T, e *tenv) {
	for i := range raceIterations {
		ws := e.workspace(store.Limits{})
		o := e.memberIn(ws, "o@example.com", store.RoleOwner, "")
		a := e.memberIn(ws, "a@example.com", store.RoleAdmin, "")
		staleA, staleO := *a, *o
		staleA.RPM, staleO.RPM = 11, 12
		if i%2 == 1 {
			staleA.Status = store.MemberRemoved // a removal of A instead of a PATCH
		}
		var errT, errA, errO error
		race(
			func() { errT = e.tm.TransferOwnership(e.ctx, ws, o.ID, a.ID) },
			func() { errA = e.s.PutMember(e.ctx, &staleA) },
			func() { errO = e.s.PutMember(e.ctx, &staleO) },
		)
		for what, err := range map[string]error{"transfer": errT, "stale A": errA, "stale owner": errO} {
			if err != nil {
				isErr(t, err, store.ErrConflict, what)
			}
		}
		e.exactlyOneOwner(ws, i)
	}
}

// exactlyOneOwner fails unless workspace ws has one active owner and no
// other owner.
func (e *tenv) exactlyOneOwner(ws string, iteration int) {
	e.t.Helper()
	ms, err := e.s.ListMembers(e.ctx, ws)
	ok(e.t, err, "ListMembers")
	owners, active := 0, 0
	for _, m := range ms {
		if m.Role == store.RoleOwner {
			owners++
			if m.Status == store.MemberActive {
				active++
			}
		}
	}
	if owners != 1 || active != 1 {
		e.t.Fatalf("iteration %d: %d owners (%d active), want exactly 1: %+v", iteration, owners, active, ms)
	}
}

// testUpdateRacingRemoval: a PATCH that read the member active races its
// removal: the removal always succeeds and the member always ends removed.
func testUpdateRacingRemoval(t *testing.T, e *tenv) {
	for i := range raceIterations {
		m := e.memberIn(e.ws, "m@example.com", store.RoleMember, "")
		patch, removal := *m, *m
		patch.RPM, patch.Role = 21, store.RoleAdmin
		removal.Status = store.MemberRemoved
		var errP, errR error
		race(
			func() { errP = e.s.PutMember(e.ctx, &patch) },
			func() { errR = e.s.PutMember(e.ctx, &removal) },
		)
		ok(t, errR, "removal")
		if errP != nil {
			isErr(t, errP, store.ErrConflict, "patch")
		}
		got, err := e.s.GetMember(e.ctx, e.ws, m.ID)
		ok(t, err, "GetMember")
		if got.Status != store.MemberRemoved {
			t.Fatalf("iteration %d: member ended %s after racing its removal, want removed", i, got.Status)
		}
	}
}
