package admin

import (
	"context"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// memberTokenResponse carries a member token: the only time it is shown.
type memberTokenResponse struct {
	Member  *memberView `json:"member,omitempty"`
	Token   string      `json:"token"`
	TokenID string      `json:"token_id"`
}

// rotateMemberToken issues a new member token and then revokes every other
// token of the member: the old one stops working at once.
func (a *api) rotateMemberToken(w http.ResponseWriter, r *http.Request) error {
	m, err := a.member(r)
	if err != nil {
		return err
	}
	if c := callerOf(r); !c.operator && c.member.ID != m.ID {
		return newError(http.StatusForbidden, CodeForbidden,
			"only the operator or the member itself rotates a member's token; use tokens/self:rotate for your own")
	}
	if m.Status != store.MemberActive {
		return errConflict("member %q is %s; its token cannot be rotated", m.ID, m.Status)
	}
	callerOf(r).target("member", m.ID)
	secret, rec, err := a.mintMemberToken(r.Context(), m)
	if err != nil {
		return err
	}
	if err := a.revokeMemberTokens(r.Context(), m, rec.ID); err != nil {
		return err
	}
	a.log.Info("admin: member token rotated", "workspace", m.WorkspaceID, "member", m.ID, "token", rec.ID)
	return writeJSON(w, http.StatusOK, memberTokenResponse{Token: secret, TokenID: rec.ID})
}

func (a *api) mintMemberToken(ctx context.Context, m *store.Member) (string, *store.Token, error) {
	secret, rec, err := store.NewToken(token.Member, m.WorkspaceID, m.ID, "", a.now().UTC())
	if err != nil {
		return "", nil, err
	}
	if err := a.store.CreateToken(ctx, rec); err != nil {
		return "", nil, err
	}
	return secret, rec, nil
}

// revokeMemberTokens revokes the active member tokens of m except keep.
func (a *api) revokeMemberTokens(ctx context.Context, m *store.Member, keep string) error {
	toks, err := a.store.ListTokens(ctx, m.WorkspaceID)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.Kind == token.Member && t.MemberID == m.ID && t.ID != keep && t.Status == store.TokenActive {
			if err := a.store.RevokeToken(ctx, m.WorkspaceID, t.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
