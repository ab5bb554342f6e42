package admin

import (
	"context"
	"net/http"

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
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: req.Email, Role: req.Role,
		Status: store.MemberActive, CreatedAt: a.now().UTC()}
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
	if req.RPM != nil {
		m.RPM = *req.RPM
	}
	if req.Role != nil {
		if err := a.changeRole(r.Context(), m, *req.Role); err != nil {
			return err
		}
	}
	if err := a.store.PutMember(r.Context(), m); err != nil {
		return err
	}
	a.log.Info("admin: member updated", "workspace", m.WorkspaceID, "member", m.ID)
	return writeJSON(w, http.StatusOK, viewMember(m))
}

func (a *api) changeRole(ctx context.Context, m *store.Member, role string) error {
	if err := checkRole(role); err != nil {
		return err
	}
	members, err := a.store.ListMembers(ctx, m.WorkspaceID)
	if err != nil {
		return err
	}
	if err := checkOwner(members, m.ID, role); err != nil {
		return err
	}
	m.Role = role
	return nil
}

// removeMember marks the member removed and revokes its member tokens, so its
// very next request is refused. Keys it created stay active.
func (a *api) removeMember(w http.ResponseWriter, r *http.Request) error {
	m, err := a.member(r)
	if err != nil {
		return err
	}
	if m.Status != store.MemberRemoved {
		m.Status = store.MemberRemoved
		if err := a.store.PutMember(r.Context(), m); err != nil {
			return err
		}
	}
	if err := a.revokeMemberTokens(r.Context(), m, ""); err != nil {
		return err
	}
	a.log.Info("admin: member removed", "workspace", m.WorkspaceID, "member", m.ID)
	return writeJSON(w, http.StatusOK, viewMember(m))
}

// rotateMemberToken issues a new member token and then revokes every other
// token of the member: the old one stops working at once.
func (a *api) rotateMemberToken(w http.ResponseWriter, r *http.Request) error {
	m, err := a.member(r)
	if err != nil {
		return err
	}
	if m.Status != store.MemberActive {
		return errConflict("member %q is %s; its token cannot be rotated", m.ID, m.Status)
	}
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
