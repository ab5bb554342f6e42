package admin

import (
	"context"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type createWorkspaceRequest struct {
	Name       string         `json:"name"`
	Plan       string         `json:"plan"`
	OwnerEmail string         `json:"owner_email"`
	Limits     *limitsRequest `json:"limits"`
}

// ownedWorkspaceResponse is a new workspace with its owner and the owner's
// member token, shown this once.
type ownedWorkspaceResponse struct {
	Workspace workspaceView `json:"workspace"`
	Owner     memberView    `json:"owner"`
	Token     string        `json:"token"`
	TokenID   string        `json:"token_id"`
}

// createWorkspace creates a team workspace. The operator names its owner by
// email (the account is created if new); a member caller's account owns it.
func (a *api) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var req createWorkspaceRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	c := callerOf(r)
	if err := req.check(c); err != nil {
		return err
	}
	if _, err := a.plan(r.Context(), req.Plan); err != nil {
		return errInvalid("plan: %q is not a plan; see GET /v1/plans", req.Plan)
	}
	var acc *store.Account
	var err error
	if c.operator {
		acc, err = a.ensureAccount(r.Context(), req.OwnerEmail)
	} else {
		acc, err = a.callerAccount(r.Context(), c)
	}
	if err != nil {
		return err
	}
	plan := req.Plan
	if plan == "" {
		plan = PlanTeam
	}
	ws := &store.Workspace{ID: token.NewID(), Name: strings.TrimSpace(req.Name), Plan: plan,
		Limits: req.Limits.limits(), CreatedAt: a.now().UTC()}
	if err := a.store.CreateWorkspace(r.Context(), ws); err != nil {
		return err
	}
	owner, secret, tokID, err := a.addOwner(r.Context(), ws, acc)
	if err != nil {
		return err
	}
	c.audit.workspace = ws.ID
	c.target("workspace", ws.ID)
	a.log.Info("admin: workspace created", "workspace", ws.ID, "owner", owner.ID)
	return writeJSON(w, http.StatusCreated, ownedWorkspaceResponse{Workspace: viewWorkspace(ws),
		Owner: viewMember(owner), Token: secret, TokenID: tokID})
}

func (req *createWorkspaceRequest) check(c *caller) error {
	if err := checkName("name", req.Name); err != nil {
		return err
	}
	if req.Plan != "" && !planName.MatchString(req.Plan) {
		return errInvalid("plan: %q is not a plan name", req.Plan)
	}
	switch {
	case c.operator && req.OwnerEmail == "":
		return errInvalid("owner_email: required when the operator creates a workspace")
	case c.operator:
		if err := checkEmail(req.OwnerEmail); err != nil {
			return errInvalid("owner_email: %q is not a plain email address such as alice@example.com", req.OwnerEmail)
		}
	case req.OwnerEmail != "":
		return errInvalid("owner_email: only the operator names another owner; your account owns the workspace")
	}
	if req.Limits != nil {
		return req.Limits.check("limits.", false)
	}
	return nil
}

// addOwner makes acc the owner of ws and mints the owner's member token.
func (a *api) addOwner(ctx context.Context, ws *store.Workspace, acc *store.Account) (*store.Member, string, string, error) {
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws.ID, Email: acc.Email, Role: store.RoleOwner,
		Status: store.MemberActive, AccountID: acc.ID, CreatedAt: a.now().UTC()}
	if err := a.store.PutMember(ctx, m); err != nil {
		return nil, "", "", err
	}
	secret, rec, err := a.mintMemberToken(ctx, m)
	if err != nil {
		return nil, "", "", err
	}
	return m, secret, rec.ID, nil
}

// listWorkspaces lists every workspace for the operator, and for a member
// the workspaces where its account is an active member.
func (a *api) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	key := func(w *store.Workspace) string { return w.ID }
	if c.operator {
		all, err := a.store.ListWorkspaces(r.Context())
		if err != nil {
			return err
		}
		notPublic := func(w *store.Workspace) bool { return w.ID != store.PublicWorkspace }
		return listResponse(w, r, all, notPublic, key, viewWorkspace)
	}
	acc, err := a.callerAccount(r.Context(), c)
	if err != nil {
		return err
	}
	ms, err := a.activeMemberships(r.Context(), acc.ID)
	if err != nil {
		return err
	}
	out := make([]store.Workspace, 0, len(ms))
	for _, m := range ms {
		ws, err := a.store.GetWorkspace(r.Context(), m.WorkspaceID)
		if err != nil {
			return err
		}
		out = append(out, *ws)
	}
	return listResponse(w, r, out, nil, key, viewWorkspace)
}
