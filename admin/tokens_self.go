package admin

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// rotateOwnToken gives the calling member a new member token and revokes the
// others, the presented one included: it is dead for the very next call.
func (a *api) rotateOwnToken(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if c.member == nil {
		return errUnprocessable("the operator has no member token here; use members/{id}/token:rotate")
	}
	secret, rec, err := a.mintMemberToken(r.Context(), c.member)
	if err != nil {
		return err
	}
	if err := a.revokeMemberTokens(r.Context(), c.member, rec.ID); err != nil {
		return err
	}
	c.target("token", rec.ID)
	a.log.Info("admin: own token rotated", "workspace", c.member.WorkspaceID, "member", c.member.ID, "token", rec.ID)
	return writeJSON(w, http.StatusOK, memberTokenResponse{Token: secret, TokenID: rec.ID})
}

// revokeOwnToken revokes the member token the caller presented.
func (a *api) revokeOwnToken(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if c.member == nil {
		return errUnprocessable("the operator has no member token here; use DELETE tokens/{id}")
	}
	if err := a.store.RevokeToken(r.Context(), c.token.WorkspaceID, c.token.ID); err != nil {
		return err
	}
	t := *c.token
	t.Status = store.TokenRevoked
	c.target("token", t.ID)
	return writeJSON(w, http.StatusOK, viewToken(&t))
}
