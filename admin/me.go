package admin

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

type meResponse struct {
	Kind      string         `json:"kind"` // "operator" or "member"
	Member    *memberView    `json:"member,omitempty"`
	Account   *store.Account `json:"account,omitempty"`
	Workspace *workspaceView `json:"workspace,omitempty"`
}

// me describes the caller: the operator, or a member with its account and
// the workspace its token acts in.
func (a *api) me(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if c.operator {
		return writeJSON(w, http.StatusOK, meResponse{Kind: "operator"})
	}
	ws, err := a.store.GetWorkspace(r.Context(), c.member.WorkspaceID)
	if err != nil {
		return err
	}
	acc, err := a.callerAccount(r.Context(), c)
	if err != nil {
		return err
	}
	mv, wv := viewMember(c.member), viewWorkspace(ws)
	return writeJSON(w, http.StatusOK, meResponse{Kind: "member", Member: &mv, Account: acc, Workspace: &wv})
}
