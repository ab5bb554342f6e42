package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// tenv is env with the store seen as store.Teams (the same store: Store embeds Teams).
type tenv struct {
	*env
	tm store.Teams
}

// account creates an account for email with a personal workspace.
func (e *tenv) account(email string) *store.Account {
	e.t.Helper()
	ws := &store.Workspace{ID: token.NewID(), Name: email, Personal: true, Plan: "free", CreatedAt: e.clock.Now()}
	if err := e.s.CreateWorkspace(e.ctx, ws); err != nil {
		e.t.Fatalf("CreateWorkspace: %v", err)
	}
	a := &store.Account{ID: token.NewID(), Email: email, PersonalWorkspaceID: ws.ID, CreatedAt: e.clock.Now()}
	if err := e.tm.CreateAccount(e.ctx, a); err != nil {
		e.t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

// memberIn puts an active member of workspace ws with email, role and account.
func (e *tenv) memberIn(ws, email, role, account string) *store.Member {
	e.t.Helper()
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: email, Role: role,
		Status: store.MemberActive, AccountID: account, CreatedAt: e.clock.Now()}
	e.putMember(m)
	return m
}

// newInvitation returns an unsaved pending invitation to the env workspace
// and its code, expiring InvitationTTL from the clock's now.
func (e *tenv) newInvitation(email, role string) (*store.Invitation, token.Hash) {
	e.t.Helper()
	code, err := token.New(token.Invite, e.ws)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	h := token.HashOf([]byte(code))
	return &store.Invitation{ID: token.NewID(), WorkspaceID: e.ws, Email: email, Role: role, CodeHash: h,
		Status: store.InvitationPending, InvitedBy: "operator", CreatedAt: now, ExpiresAt: now.Add(store.InvitationTTL)}, h
}

// invite stores a new invitation with the given seats and fails on error.
func (e *tenv) invite(email, role string, seats int) (*store.Invitation, token.Hash) {
	e.t.Helper()
	inv, h := e.newInvitation(email, role)
	if err := e.tm.CreateInvitation(e.ctx, inv, seats, e.clock.Now()); err != nil {
		e.t.Fatalf("CreateInvitation %s: %v", email, err)
	}
	return inv, h
}

// acceptance returns the member and member token an acceptance would create.
func (e *tenv) acceptance(email, account string) (*store.Member, *store.Token) {
	e.t.Helper()
	now := e.clock.Now()
	m := &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: email, Status: store.MemberActive,
		AccountID: account, CreatedAt: now}
	_, tk, err := store.NewToken(token.Member, e.ws, m.ID, "", now)
	if err != nil {
		e.t.Fatal(err)
	}
	return m, tk
}

// seatErr fails unless err is a *store.SeatError with limit and used.
func seatErr(t *testing.T, err error, limit, used int, what string) {
	t.Helper()
	var se *store.SeatError
	if !errors.As(err, &se) || se.Limit != limit || se.Used != used {
		t.Fatalf("%s: %v, want *store.SeatError{Limit: %d, Used: %d}", what, err, limit, used)
	}
}

// isErr fails unless errors.Is(err, want).
func isErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

// ok fails on a non-nil err.
func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sameMinute reports whether got records an event at ev to the minute: not
// after ev and not before the start of ev's minute.
func sameMinute(got, ev time.Time) bool {
	return !got.After(ev) && !got.Before(ev.Truncate(time.Minute))
}
