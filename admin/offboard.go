package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

type offboardRequest struct {
	Email      string `json:"email"`
	RevokeKeys bool   `json:"revoke_keys"`
}

type offboardResult struct {
	WorkspaceID string `json:"workspace_id"`
	Removed     bool   `json:"removed"`
	Error       string `json:"error,omitempty"`
}

type offboardResponse struct {
	Results []offboardResult `json:"results"`
}

// offboard removes a person from every workspace where the caller may remove
// members: all of them for the operator; for a member, the workspaces where
// its account is an active owner or admin. Each workspace gets its own result
// and its own audit entry.
func (a *api) offboard(w http.ResponseWriter, r *http.Request) error {
	var req offboardRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := checkEmail(req.Email); err != nil {
		return err
	}
	c := callerOf(r)
	c.audit.skip = true
	acc, err := a.store.GetAccountByEmail(r.Context(), strings.ToLower(req.Email))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("no account with email %s", req.Email)
	}
	if err != nil {
		return err
	}
	targets, err := a.activeMemberships(r.Context(), acc.ID)
	if err != nil {
		return err
	}
	out := offboardResponse{Results: []offboardResult{}}
	for i := range targets {
		t := &targets[i]
		actor, err := a.membershipIn(r.Context(), c, t.WorkspaceID)
		if errors.Is(err, store.ErrNotFound) {
			continue // not the caller's workspace: not even reported
		}
		if err != nil {
			return err
		}
		as := &caller{operator: c.operator, member: actor}
		if !allowed(as, PermRemoveMember) {
			continue
		}
		res := offboardResult{WorkspaceID: t.WorkspaceID}
		var apiErr *apiError
		if err := canRemove(as, t); err != nil {
			res.Error = err.(*apiError).Message
		} else if _, err := a.remove(r.Context(), t, req.RevokeKeys); errors.As(err, &apiErr) {
			res.Error = apiErr.Message // e.g. the member changed meanwhile: reported, the rest goes on
		} else if err != nil {
			return err
		} else {
			res.Removed = true
			a.appendAudit(r.Context(), r, as, auditNote{workspace: t.WorkspaceID, targetKind: "member",
				targetID: t.ID, detail: "offboarded " + t.Email}, "member.offboard")
		}
		out.Results = append(out.Results, res)
	}
	return writeJSON(w, http.StatusOK, out)
}
