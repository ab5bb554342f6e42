package admin

import (
	"context"
	"errors"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// ensureAccount returns the account of email, creating it with its personal
// workspace (plan PlanPersonal, the account its owner) when the email is new.
// Two concurrent creations of one email end with one account: the loser
// deletes its personal workspace and reads the winner's account.
func (a *api) ensureAccount(ctx context.Context, email string) (*store.Account, error) {
	acc, _, err := a.accountOf(ctx, email)
	return acc, err
}

// accountOf is ensureAccount that also says whether this call created the
// account: false when the email already had one, including when a concurrent
// creation of the same email won.
func (a *api) accountOf(ctx context.Context, email string) (*store.Account, bool, error) {
	email = strings.ToLower(email)
	acc, err := a.store.GetAccountByEmail(ctx, email)
	if !errors.Is(err, store.ErrNotFound) {
		return acc, false, err
	}
	acc, err = a.createAccount(ctx, email)
	if errors.Is(err, store.ErrExists) {
		acc, err = a.store.GetAccountByEmail(ctx, email)
		return acc, false, err
	}
	return acc, err == nil, err
}

// createAccount creates the account of a new email with its personal
// workspace; store.ErrExists when another creation of the email won (its
// personal workspace is then deleted again).
func (a *api) createAccount(ctx context.Context, email string) (*store.Account, error) {
	now := a.now().UTC()
	acc := &store.Account{ID: token.NewID(), Email: email, CreatedAt: now}
	ws := &store.Workspace{ID: token.NewID(), Name: email + " (personal)", Personal: true,
		Plan: PlanPersonal, Limits: (*limitsRequest)(nil).limits(), CreatedAt: now}
	if err := a.store.CreateWorkspace(ctx, ws); err != nil {
		return nil, err
	}
	owner := &store.Member{ID: token.NewID(), WorkspaceID: ws.ID, Email: email, Role: store.RoleOwner,
		Status: store.MemberActive, AccountID: acc.ID, CreatedAt: now}
	if err := a.store.PutMember(ctx, owner); err != nil {
		return nil, err
	}
	acc.PersonalWorkspaceID = ws.ID
	err := a.store.CreateAccount(ctx, acc)
	if errors.Is(err, store.ErrExists) {
		if derr := a.store.DeleteWorkspace(ctx, ws.ID); derr != nil {
			a.log.Error("admin: orphan personal workspace left", "workspace", ws.ID, "err", derr)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	a.log.Info("admin: account created", "account", acc.ID, "personal_workspace", ws.ID)
	return acc, nil
}

// callerAccount returns the account of a member caller; a member record
// without one (made before accounts existed) is resolved by its email.
func (a *api) callerAccount(ctx context.Context, c *caller) (*store.Account, error) {
	if c.member.AccountID != "" {
		return a.store.GetAccount(ctx, c.member.AccountID)
	}
	return a.ensureAccount(ctx, c.member.Email)
}

// activeMemberships returns the account's active memberships.
func (a *api) activeMemberships(ctx context.Context, accountID string) ([]store.Member, error) {
	all, err := a.store.ListMemberships(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, m := range all {
		if m.Status == store.MemberActive {
			out = append(out, m)
		}
	}
	return out, nil
}

// membershipIn returns the caller's active membership in workspace ws (the
// operator gets nil, nil): the token's own member for its workspace, else the
// account's membership there. ErrNotFound when it has none.
func (a *api) membershipIn(ctx context.Context, c *caller, ws string) (*store.Member, error) {
	if c.operator {
		return nil, nil
	}
	if ws == c.member.WorkspaceID {
		return c.member, nil
	}
	if c.member.AccountID == "" {
		return nil, store.ErrNotFound
	}
	ms, err := a.activeMemberships(ctx, c.member.AccountID)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].WorkspaceID == ws {
			return &ms[i], nil
		}
	}
	return nil, store.ErrNotFound
}
