package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type renameRequest struct {
	Name string `json:"name"`
}

func (a *api) renameWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	var req renameRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := checkName("name", req.Name); err != nil {
		return err
	}
	ws.Name = strings.TrimSpace(req.Name)
	if err := a.store.UpdateWorkspace(r.Context(), ws); err != nil {
		return err
	}
	callerOf(r).target("workspace", ws.ID)
	return writeJSON(w, http.StatusOK, viewWorkspace(ws))
}

type deleteWorkspaceRequest struct {
	Confirm string `json:"confirm"`
}

// deleteWorkspace removes a team workspace; the request must repeat its
// name. The audit entry goes to the operator log, as the workspace's own
// log goes with it.
func (a *api) deleteWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	var req deleteWorkspaceRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if ws.Personal {
		return errUnprocessable("workspace %q is a personal workspace; it cannot be deleted while its account exists", ws.ID)
	}
	if req.Confirm != ws.Name {
		return errInvalid("confirm: must equal the workspace name %q", ws.Name)
	}
	if err := a.store.DeleteWorkspace(r.Context(), ws.ID); err != nil {
		return err
	}
	c := callerOf(r)
	c.audit = auditNote{workspace: auditSystemWorkspace, targetKind: "workspace", targetID: ws.ID,
		detail: "deleted workspace " + ws.Name}
	a.log.Info("admin: workspace deleted", "workspace", ws.ID)
	return writeJSON(w, http.StatusOK, viewWorkspace(ws))
}

type setPlanRequest struct {
	Plan string `json:"plan"`
}

// setPlan moves the workspace to another plan, refusing a plan below what
// the workspace already uses.
func (a *api) setPlan(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	var req setPlanRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if !planName.MatchString(req.Plan) {
		return errInvalid("plan: required, a plan name such as pro")
	}
	p, err := a.plan(r.Context(), req.Plan)
	if err != nil {
		return errInvalid("plan: %q is not a plan; see GET /v1/plans", req.Plan)
	}
	if err := a.fitsPlan(r.Context(), ws.ID, p); err != nil {
		return err
	}
	ws.Plan = p.Name
	if err := a.store.UpdateWorkspace(r.Context(), ws); err != nil {
		return err
	}
	c := callerOf(r)
	c.target("workspace", ws.ID)
	c.audit.detail = "plan " + p.Name
	return writeJSON(w, http.StatusOK, viewWorkspace(ws))
}

// fitsPlan refuses p when the workspace uses more seats or keys than it allows.
func (a *api) fitsPlan(ctx context.Context, ws string, p *store.Plan) error {
	u, err := a.usageNow(ctx, ws)
	if err != nil {
		return err
	}
	if p.Seats > 0 && u.members+u.pending > p.Seats {
		return newError(http.StatusUnprocessableEntity, CodePlanLimit,
			"plan %q allows %d seats but %d are taken (%d members, %d pending invitations)",
			p.Name, p.Seats, u.members+u.pending, u.members, u.pending)
	}
	if p.Keys > 0 && u.keys > p.Keys {
		return newError(http.StatusUnprocessableEntity, CodePlanLimit,
			"plan %q allows %d workspace keys but %d are active; revoke %d first", p.Name, p.Keys, u.keys, u.keys-p.Keys)
	}
	return nil
}

// seatUse is what a workspace uses of its plan.
type seatUse struct{ members, pending, keys int }

func (a *api) usageNow(ctx context.Context, ws string) (seatUse, error) {
	var u seatUse
	now := a.now()
	ms, err := a.store.ListMembers(ctx, ws)
	if err != nil {
		return u, err
	}
	for _, m := range ms {
		if m.Status == store.MemberActive {
			u.members++
		}
	}
	invs, err := a.store.ListInvitations(ctx, ws)
	if err != nil {
		return u, err
	}
	for i := range invs {
		if invs[i].State(now) == store.InvitationPending {
			u.pending++
		}
	}
	toks, err := a.store.ListTokens(ctx, ws)
	if err != nil {
		return u, err
	}
	for i := range toks {
		if activeKey(&toks[i], now) {
			u.keys++
		}
	}
	return u, nil
}

type transferOwnerRequest struct {
	MemberID string `json:"member_id"`
}

// transferOwnership makes an active admin the owner and the old owner an
// admin, in one atomic store step (store.Teams.TransferOwnership): the
// workspace never has two owners or none, even when transfers race.
func (a *api) transferOwnership(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	var req transferOwnerRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if !token.ValidID(req.MemberID) {
		return errInvalid("member_id: required, a member id")
	}
	target, err := a.store.GetMember(r.Context(), ws, req.MemberID)
	if err != nil {
		return notFound(err, "member", req.MemberID)
	}
	if target.Status != store.MemberActive || target.Role != store.RoleAdmin {
		return errUnprocessable("member_id: ownership goes to an active admin; %s is %s %s", target.ID, target.Status, target.Role)
	}
	owner, err := a.owner(r.Context(), ws)
	if err != nil {
		return err
	}
	if owner == nil {
		return errUnprocessable("workspace %q has no active owner to transfer from", ws)
	}
	switch err := a.store.TransferOwnership(r.Context(), ws, owner.ID, target.ID); {
	case errors.Is(err, store.ErrConflict):
		return errConflict("member_id: the owner or %s changed meanwhile; reload and retry", target.ID)
	case err != nil:
		return notFound(err, "member", target.ID)
	}
	target.Role = store.RoleOwner
	c := callerOf(r)
	c.target("member", target.ID)
	c.audit.detail = fmt.Sprintf("owner %s -> %s", owner.ID, target.ID)
	return writeJSON(w, http.StatusOK, viewMember(target))
}

// owner returns the workspace's active owner, or nil.
func (a *api) owner(ctx context.Context, ws string) (*store.Member, error) {
	ms, err := a.store.ListMembers(ctx, ws)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].Status == store.MemberActive && ms[i].Role == store.RoleOwner {
			return &ms[i], nil
		}
	}
	return nil, nil
}
