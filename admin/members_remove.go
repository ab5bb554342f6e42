package admin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// removeMemberResponse is a removed member and the keys revoked with it.
type removeMemberResponse struct {
	Member      memberView `json:"member"`
	RevokedKeys []string   `json:"revoked_keys"`
}

// removeMember marks the member removed and revokes its member tokens, so its
// very next request is refused. Keys it created stay active unless
// ?revoke_keys=true.
func (a *api) removeMember(w http.ResponseWriter, r *http.Request) error {
	m, err := a.member(r)
	if err != nil {
		return err
	}
	revokeKeys, err := boolQuery(r, "revoke_keys")
	if err != nil {
		return err
	}
	c := callerOf(r)
	if err := canRemove(c, m); err != nil {
		return err
	}
	revoked, err := a.remove(r.Context(), m, revokeKeys)
	if err != nil {
		return err
	}
	c.target("member", m.ID)
	c.audit.detail = fmt.Sprintf("removed %s; %d keys revoked", m.Email, len(revoked))
	return writeJSON(w, http.StatusOK, removeMemberResponse{Member: viewMember(m), RevokedKeys: revoked})
}

// remove marks m removed, revokes its member tokens and, with revokeKeys,
// the workspace keys it created; it returns the ids of the revoked keys.
func (a *api) remove(ctx context.Context, m *store.Member, revokeKeys bool) ([]string, error) {
	if m.Status != store.MemberRemoved {
		m.Status = store.MemberRemoved
		if err := a.store.PutMember(ctx, m); err != nil {
			return nil, memberChanged(err, m.ID)
		}
	}
	if err := a.revokeMemberTokens(ctx, m, ""); err != nil {
		return nil, err
	}
	revoked := []string{}
	if !revokeKeys {
		return revoked, nil
	}
	toks, err := a.store.ListTokens(ctx, m.WorkspaceID)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if t.Kind == token.Key && t.MemberID == m.ID && t.Status == store.TokenActive {
			if err := a.store.RevokeToken(ctx, m.WorkspaceID, t.ID); err != nil {
				return nil, err
			}
			revoked = append(revoked, t.ID)
		}
	}
	a.log.Info("admin: member removed", "workspace", m.WorkspaceID, "member", m.ID, "revoked_keys", len(revoked))
	return revoked, nil
}
