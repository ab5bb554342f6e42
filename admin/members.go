package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type createMemberRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
	RPM   *int64 `json:"rpm"`
}

type updateMemberRequest struct {
	Role *string `json:"role"`
	RPM  *int64  `json:"rpm"`
}

// memberTokenResponse carries a member token: the only time it is shown.
type memberTokenResponse struct {
	Member  *memberView `json:"member,omitempty"`
	Token   string      `json:"token"`
	TokenID string      `json:"token_id"`
}

func (a *api) createMember(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	var req createMemberRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := firstErr(checkEmail(req.Email), checkRole(req.Role), checkRPM("rpm", req.RPM)); err != nil {
		return err
	}
	members, err := a.store.ListMembers(r.Context(), ws)
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.Status == store.MemberActive && m.Email == req.Email {
			return errConflict("email: %s is already a member (%s)", req.Email, m.ID)
		}
	}
	if err := checkOwner(members, "", req.Role); err != nil {
		return err
	}
	acc, err := a.ensureAccount(r.Context(), req.Email)
	if err != nil {
		return err
	}
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: req.Email, Role: req.Role,
		Status: store.MemberActive, AccountID: acc.ID, CreatedAt: a.now().UTC()}
	if req.RPM != nil {
		m.RPM = *req.RPM
	}
	if err := a.store.PutMember(r.Context(), m); err != nil {
		return err
	}
	secret, rec, err := a.mintMemberToken(r.Context(), m)
	if err != nil {
		return err
	}
	callerOf(r).target("member", m.ID)
	a.log.Info("admin: member created", "workspace", ws, "member", m.ID, "token", rec.ID)
	v := viewMember(m)
	return writeJSON(w, http.StatusCreated, memberTokenResponse{Member: &v, Token: secret, TokenID: rec.ID})
}

func (a *api) listMembers(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	all, err := a.store.ListMembers(r.Context(), ws)
	if err != nil {
		return err
	}
	return listResponse(w, r, all, nil, func(m *store.Member) string { return m.ID }, viewMember)
}

func (a *api) getMember(w http.ResponseWriter, r *http.Request) error {
	m, err := a.member(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewMember(m))
}

func (a *api) updateMember(w http.ResponseWriter, r *http.Request) error {
	m, err := a.member(r)
	if err != nil {
		return err
	}
	var req updateMemberRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if req.Role == nil && req.RPM == nil {
		return errInvalid("role or rpm: at least one is required")
	}
	if m.Status != store.MemberActive {
		return errConflict("member %q is %s", m.ID, m.Status)
	}
	if err := checkRPM("rpm", req.RPM); err != nil {
		return err
	}
	c := callerOf(r)
	if req.RPM != nil {
		if !allowed(c, PermSetMemberLimits) {
			return errForbidden(PermSetMemberLimits)
		}
		m.RPM = *req.RPM
	}
	if req.Role != nil {
		if err := roleOfInvitee("role", *req.Role); err != nil {
			return err
		}
		if err := canChangeRole(c, m, *req.Role); err != nil {
			return err
		}
		c.audit.detail = fmt.Sprintf("role %s -> %s", m.Role, *req.Role)
		m.Role = *req.Role
	}
	c.target("member", m.ID)
	if err := a.store.PutMember(r.Context(), m); err != nil {
		return err
	}
	a.log.Info("admin: member updated", "workspace", m.WorkspaceID, "member", m.ID)
	return writeJSON(w, http.StatusOK, viewMember(m))
}

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
			return nil, err
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

// member loads the {id} member of the {ws} workspace.
func (a *api) member(r *http.Request) (*store.Member, error) {
	ws, err := a.workspaceID(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	m, err := a.store.GetMember(r.Context(), ws, id)
	return m, notFound(err, "member", id)
}

// checkOwner keeps one owner per workspace: it refuses a second active
// owner, and refuses to demote the owner (ownership transfer is a separate,
// later endpoint). self is the member whose role changes ("" for a new one).
func checkOwner(members []store.Member, self, role string) error {
	for _, m := range members {
		switch {
		case m.Status != store.MemberActive:
		case m.ID == self && m.Role == "owner" && role != "owner":
			return errConflict("role: the owner cannot be demoted; transfer ownership first")
		case m.ID != self && m.Role == "owner" && role == "owner":
			return errConflict("role: the workspace already has an owner (%s)", m.ID)
		}
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// boolQuery parses an optional true/false query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, errInvalid("%s: want true or false, got %q", name, s)
	}
	return b, nil
}

// roleOfInvitee accepts the roles a person can be given: admin, member or
// reader (owner comes only by ownership transfer).
func roleOfInvitee(field, role string) error {
	switch role {
	case store.RoleAdmin, store.RoleMember, store.RoleReader:
		return nil
	case store.RoleOwner:
		return errUnprocessable("%s: owner is given only by ownership transfer", field)
	}
	return errInvalid("%s: must be admin, member or reader, got %q", field, role)
}
