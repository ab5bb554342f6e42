package embedded_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// invitation returns an unsaved pending invitation to f's workspace and its
// code hash.
func (f *fixture) invitation(email, role string) (*store.Invitation, token.Hash) {
	f.t.Helper()
	code, err := token.New(token.Invite, f.ws)
	must(f.t, err)
	h := token.HashOf([]byte(code))
	return &store.Invitation{ID: token.NewID(), WorkspaceID: f.ws, Email: email, Role: role, CodeHash: h,
		InvitedBy: "operator"}, h
}

// TestInvitationRaceForLastSeat: 20 goroutines invite 20 people when one
// seat is left; exactly one invitation is stored, the rest get SeatError.
func TestInvitationRaceForLastSeat(t *testing.T) {
	f := newFixture(t, store.Limits{}) // one active member: seat 1 of 2 taken
	const n = 20
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		inv, _ := f.invitation(token.NewID()+"@example.com", store.RoleMember)
		wg.Go(func() {
			<-start
			errs[i] = f.s.CreateInvitation(f.ctx, inv, 2, f.clock.Now())
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
		case !errors.As(err, &se) || se.Limit != 2 || se.Used != 2:
			t.Fatalf("racing CreateInvitation: %v, want nil or SeatError 2 of 2", err)
		}
	}
	list, err := f.s.ListInvitations(f.ctx, f.ws)
	must(t, err)
	if won != 1 || len(list) != 1 {
		t.Fatalf("%d won, %d stored; want exactly one", won, len(list))
	}
}

// TestAcceptRaceOneWins: the same code accepted by 20 goroutines creates one
// member and one token; the others see ErrConflict.
func TestAcceptRaceOneWins(t *testing.T) {
	f := newFixture(t, store.Limits{})
	inv, code := f.invitation("new@example.com", store.RoleMember)
	must(t, f.s.CreateInvitation(f.ctx, inv, 0, f.clock.Now()))
	const n = 20
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		m := &store.Member{ID: token.NewID(), Email: inv.Email, AccountID: token.NewID()}
		_, tk, err := store.NewToken(token.Member, f.ws, m.ID, "", f.clock.Now())
		must(t, err)
		wg.Go(func() {
			<-start
			_, errs[i] = f.s.AcceptInvitation(f.ctx, f.ws, code, f.clock.Now(), m, tk)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("racing AcceptInvitation: %v, want nil or ErrConflict", err)
		}
	}
	members, _ := f.s.ListMembers(f.ctx, f.ws)
	tokens, _ := f.s.ListTokens(f.ctx, f.ws)
	if won != 1 || len(members) != 2 || len(tokens) != 2 {
		t.Fatalf("%d won, %d members, %d tokens; want 1 winner adding one member and one token", won, len(members), len(tokens))
	}
}

// TestTeamsDurableAcrossRestart: accounts, plans, invitations (pending and
// accepted, with the accepted member and token), workspace updates and the
// audit log survive Close and Open; a deleted workspace stays deleted.
func TestTeamsDurableAcrossRestart(t *testing.T) {
	f := newFixture(t, store.Limits{})
	acct := &store.Account{ID: token.NewID(), Email: "Ann@Example.com", PersonalWorkspaceID: f.ws}
	must(t, f.s.CreateAccount(f.ctx, acct))
	must(t, f.s.PutPlan(f.ctx, &store.Plan{Name: "pro", Seats: 20, Keys: 10, Limits: store.Limits{MemberRPM: 60}}))
	must(t, f.s.UpdateWorkspace(f.ctx, &store.Workspace{ID: f.ws, Name: "renamed", Plan: "pro"}))
	pending, _ := f.invitation("pat@example.com", store.RoleReader)
	must(t, f.s.CreateInvitation(f.ctx, pending, 5, f.clock.Now()))
	acc, code := f.invitation("ann@example.com", store.RoleAdmin)
	must(t, f.s.CreateInvitation(f.ctx, acc, 5, f.clock.Now()))
	m := &store.Member{ID: token.NewID(), AccountID: acct.ID}
	_, tk, err := store.NewToken(token.Member, f.ws, m.ID, "", f.clock.Now())
	must(t, err)
	_, err = f.s.AcceptInvitation(f.ctx, f.ws, code, f.clock.Now(), m, tk)
	must(t, err)
	entry := &store.AuditEntry{WorkspaceID: f.ws, ActorKind: "operator", Action: "invitation.create", TargetID: pending.ID}
	must(t, f.s.AppendAudit(f.ctx, entry))
	gone := token.NewID()
	must(t, f.s.CreateWorkspace(f.ctx, &store.Workspace{ID: gone, Name: "gone"}))
	must(t, f.s.DeleteWorkspace(f.ctx, gone))

	must(t, f.s.Close())
	f.open()

	if a, err := f.s.GetAccountByEmail(f.ctx, "ann@example.com"); err != nil || a.ID != acct.ID {
		t.Fatalf("account after reopen: %+v, %v", a, err)
	}
	if p, err := f.s.GetPlan(f.ctx, "pro"); err != nil || p.Seats != 20 || p.Limits.MemberRPM != 60 {
		t.Fatalf("plan after reopen: %+v, %v", p, err)
	}
	if w, err := f.s.GetWorkspace(f.ctx, f.ws); err != nil || w.Name != "renamed" || w.Plan != "pro" {
		t.Fatalf("workspace after reopen: %+v, %v", w, err)
	}
	if got, err := f.s.GetInvitation(f.ctx, f.ws, pending.ID); err != nil || got.Status != store.InvitationPending || got.CodeHash != pending.CodeHash {
		t.Fatalf("pending invitation after reopen: %+v, %v", got, err)
	}
	if got, err := f.s.GetInvitation(f.ctx, f.ws, acc.ID); err != nil || got.Status != store.InvitationAccepted || got.AcceptedBy != m.ID {
		t.Fatalf("accepted invitation after reopen: %+v, %v", got, err)
	}
	if got, err := f.s.GetMember(f.ctx, f.ws, m.ID); err != nil || got.Role != store.RoleAdmin || got.AccountID != acct.ID {
		t.Fatalf("accepted member after reopen: %+v, %v", got, err)
	}
	want(t, f.admit(tk, "openai"), limiter.Allowed, "accepted member's token after reopen")
	list, err := f.s.ListAudit(f.ctx, f.ws, store.AuditQuery{})
	if err != nil || len(list) != 1 || list[0].ID != entry.ID || !list[0].Time.Equal(entry.Time) {
		t.Fatalf("audit after reopen: %+v, %v; want %+v", list, err, entry)
	}
	if _, err := f.s.GetWorkspace(f.ctx, gone); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted workspace after reopen: %v, want ErrNotFound", err)
	}
	// The seat count after restart still includes the pending invitation.
	third, _ := f.invitation("third@example.com", store.RoleMember)
	var se *store.SeatError
	if err := f.s.CreateInvitation(f.ctx, third, 3, f.clock.Now()); !errors.As(err, &se) || se.Used != 3 {
		t.Fatalf("CreateInvitation after reopen: %v, want SeatError 3 of 3", err)
	}
}

// TestAuditPagesInTimeOrder: paging with After walks every entry once, in
// time order, even when many share a timestamp.
func TestAuditPagesInTimeOrder(t *testing.T) {
	f := newFixture(t, store.Limits{})
	base := f.clock.Now()
	for i := range 25 {
		e := &store.AuditEntry{WorkspaceID: f.ws, ActorKind: "member", ActorID: f.member.ID, Action: "key.create",
			Time: base.Add(time.Duration(i%5) * time.Second)}
		must(t, f.s.AppendAudit(f.ctx, e))
	}
	var seen []store.AuditEntry
	after := ""
	for {
		page, err := f.s.ListAudit(f.ctx, f.ws, store.AuditQuery{After: after, Limit: 4})
		must(t, err)
		if len(page) == 0 {
			break
		}
		seen = append(seen, page...)
		after = page[len(page)-1].ID
	}
	if len(seen) != 25 {
		t.Fatalf("paged %d entries, want 25", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		a, b := seen[i-1], seen[i]
		if a.Time.After(b.Time) || (a.Time.Equal(b.Time) && a.ID >= b.ID) {
			t.Fatalf("entries %d and %d out of order: %v %s, %v %s", i-1, i, a.Time, a.ID, b.Time, b.ID)
		}
	}
	if _, err := f.s.ListAudit(f.ctx, f.ws, store.AuditQuery{After: "nosuchentry1"}); err == nil {
		t.Fatal("ListAudit with an unknown cursor succeeded, want an error naming it")
	}
	if _, err := f.s.ListAudit(f.ctx, f.ws, store.AuditQuery{Limit: -1}); err == nil {
		t.Fatal("ListAudit with a negative limit succeeded")
	}
}

// TestTeamsBadInputNamed: malformed records are refused with an error naming
// the field.
func TestTeamsBadInputNamed(t *testing.T) {
	f := newFixture(t, store.Limits{})
	inv, _ := f.invitation("x@example.com", store.RoleOwner)
	for what, err := range map[string]error{
		"role":       f.s.CreateInvitation(f.ctx, inv, 0, f.clock.Now()),
		"email":      f.s.CreateAccount(f.ctx, &store.Account{ID: token.NewID()}),
		"seats":      f.s.PutPlan(f.ctx, &store.Plan{Name: "p", Seats: -1}),
		"actor kind": f.s.AppendAudit(f.ctx, &store.AuditEntry{WorkspaceID: f.ws, Action: "x", ActorKind: "robot"}),
	} {
		if err == nil || !errors.Is(err, embeddedInvalid) || !contains(err.Error(), what) {
			t.Errorf("%s: %v, want an invalid-record error naming %q", what, err, what)
		}
	}
}
