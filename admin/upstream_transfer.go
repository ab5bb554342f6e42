package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type transferUpstreamRequest struct {
	ToWorkspace string `json:"to_workspace"`
}

// transferUpstream moves an upstream to another workspace where the caller
// also holds edit_upstream. A workspace the caller is not in answers
// not_found, as for any foreign id. The move is delete-then-create: the
// delete in the source is its linearization point, so of concurrent
// transfers of one upstream exactly one wins and the credential never sits
// in two workspaces; see moveUpstream.
func (a *api) transferUpstream(w http.ResponseWriter, r *http.Request) error {
	u, err := a.upstream(r)
	if err != nil {
		return err
	}
	var req transferUpstreamRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if !token.ValidID(req.ToWorkspace) {
		return errInvalid("to_workspace: required, a workspace id")
	}
	if req.ToWorkspace == u.WorkspaceID {
		return errInvalid("to_workspace: the upstream is already in workspace %q", req.ToWorkspace)
	}
	c := callerOf(r)
	if err := a.mayEditIn(r, c, req.ToWorkspace); err != nil {
		return err
	}
	moved, err := a.moveUpstream(r.Context(), u, req.ToWorkspace)
	if err != nil {
		return err
	}
	c.target("upstream", u.Name)
	c.audit.detail = "moved to workspace " + req.ToWorkspace
	as := &caller{operator: c.operator, member: c.member}
	if m, _ := a.membershipIn(r.Context(), c, req.ToWorkspace); m != nil {
		as.member = m
	}
	a.appendAudit(r.Context(), r, as, auditNote{workspace: req.ToWorkspace, targetKind: "upstream",
		targetID: u.Name, detail: "moved in from workspace " + u.WorkspaceID}, "upstream.transfer_in")
	a.log.Info("admin: upstream transferred", "from", u.WorkspaceID, "to", req.ToWorkspace, "upstream", u.Name)
	return writeJSON(w, http.StatusOK, viewUpstream(moved))
}

// moveUpstream moves u to workspace to: it checks that the name is free
// there (a fast answer for the common case), deletes u in its workspace (the
// one step only one concurrent mover can win: the store reports ErrNotFound
// to the others), then creates it in to with the store's atomic
// create-if-absent, so a same-named upstream created in to meanwhile is
// never replaced: the move answers 409 and u is created back in its source.
func (a *api) moveUpstream(ctx context.Context, u *store.Upstream, to string) (*store.Upstream, error) {
	// Once begun, the move runs to its end (or its put-back) even if the
	// client goes away: a cancelled create after the delete would lose u.
	ctx = context.WithoutCancel(ctx)
	if err := a.nameFreeIn(ctx, to, u.Name); err != nil {
		return nil, err
	}
	if err := a.store.DeleteUpstream(ctx, u.WorkspaceID, u.Name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errConflict("upstream %q was moved or deleted by another request meanwhile", u.Name)
		}
		return nil, err
	}
	moved := *u
	moved.WorkspaceID = to
	err := a.store.CreateUpstream(ctx, &moved)
	if err == nil {
		return &moved, nil
	}
	a.putBack(ctx, u)
	if errors.Is(err, store.ErrExists) {
		return nil, errConflict("to_workspace: workspace %q already has an upstream named %q", to, u.Name)
	}
	return nil, notFound(err, "workspace", to)
}

// putBack recreates u in its source workspace after a failed move. It
// creates rather than puts, so an upstream of that name registered in the
// source meanwhile is kept; u is then lost and the failure is logged
// (without the credential) for the caller to register it again.
func (a *api) putBack(ctx context.Context, u *store.Upstream) {
	if err := a.store.CreateUpstream(ctx, u); err != nil {
		a.log.Error("admin: upstream transfer failed and the upstream could not be put back; register it again",
			"workspace", u.WorkspaceID, "upstream", u.Name, "error", err)
	}
}

// nameFreeIn answers 409 if workspace ws already has an upstream named name.
func (a *api) nameFreeIn(ctx context.Context, ws, name string) error {
	switch _, _, err := a.store.GetUpstream(ctx, ws, name); {
	case err == nil:
		return errConflict("to_workspace: workspace %q already has an upstream named %q", ws, name)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return nil
}

// mayEditIn checks that workspace ws exists for the caller and that the
// caller holds edit_upstream there.
func (a *api) mayEditIn(r *http.Request, c *caller, ws string) error {
	if _, err := a.store.GetWorkspace(r.Context(), ws); err != nil {
		return notFound(err, "workspace", ws)
	}
	m, err := a.membershipIn(r.Context(), c, ws)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("workspace %q not found", ws)
	}
	if err != nil {
		return err
	}
	if !allowed(&caller{operator: c.operator, member: m}, PermEditUpstream) {
		return newError(http.StatusForbidden, CodeForbidden,
			"to_workspace: your role there lacks the %s permission", PermEditUpstream)
	}
	return nil
}
