package admin

import (
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type transferUpstreamRequest struct {
	ToWorkspace string `json:"to_workspace"`
}

// transferUpstream moves an upstream to another workspace where the caller
// also holds edit_upstream: it is created there, then deleted here, so this
// workspace's traffic to it stops. A workspace the caller is not in answers
// not_found, as for any foreign id.
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
	switch _, _, err := a.store.GetUpstream(r.Context(), req.ToWorkspace, u.Name); {
	case err == nil:
		return errConflict("to_workspace: workspace %q already has an upstream named %q", req.ToWorkspace, u.Name)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	moved := *u
	moved.WorkspaceID = req.ToWorkspace
	if err := a.store.PutUpstream(r.Context(), &moved); err != nil {
		return err
	}
	if err := a.store.DeleteUpstream(r.Context(), u.WorkspaceID, u.Name); err != nil {
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
	return writeJSON(w, http.StatusOK, viewUpstream(&moved))
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
