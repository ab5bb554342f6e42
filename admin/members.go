package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type createMemberRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
	RPM   *int64 `json:"rpm"`
}

// updateMemberRequest changes a member's role or limits: rpm (requests per
// minute), tpm (tokens per minute) and monthly_credits (spend cap per
// billing period, micro-credits); 0 uses the workspace's default.
type updateMemberRequest struct {
	Role    *string `json:"role"`
	RPM     *int64  `json:"rpm"`
	TPM     *int64  `json:"tpm"`
	Monthly *int64  `json:"monthly_credits"`
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
		if m.Status == store.MemberActive && strings.EqualFold(m.Email, req.Email) {
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
	if req.Role == nil && req.RPM == nil && req.TPM == nil && req.Monthly == nil {
		return errInvalid("role, rpm, tpm or monthly_credits: at least one is required")
	}
	if m.Status != store.MemberActive {
		return errConflict("member %q is %s", m.ID, m.Status)
	}
	if err := firstErr(checkRPM("rpm", req.RPM), checkLimit("tpm", req.TPM), checkLimit("monthly_credits", req.Monthly)); err != nil {
		return err
	}
	c := callerOf(r)
	if err := req.setLimits(c, m); err != nil {
		return err
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
		return memberChanged(err, m.ID)
	}
	a.log.Info("admin: member updated", "workspace", m.WorkspaceID, "member", m.ID)
	return writeJSON(w, http.StatusOK, viewMember(m))
}

// setLimits applies the limit fields of req to m; they need
// set_member_limits.
func (req *updateMemberRequest) setLimits(c *caller, m *store.Member) error {
	if req.RPM == nil && req.TPM == nil && req.Monthly == nil {
		return nil
	}
	if !allowed(c, PermSetMemberLimits) {
		return errForbidden(PermSetMemberLimits)
	}
	setIf(&m.RPM, req.RPM)
	setIf(&m.TPM, req.TPM)
	setIf(&m.Monthly, req.Monthly)
	c.audit.detail = fmt.Sprintf("limits rpm %d, tpm %d, monthly %s credits", m.RPM, m.TPM, store.FormatCredits(m.Monthly))
	return nil
}

// memberChanged turns the store's ErrConflict from a write of member id,
// read earlier in the request, into a 409 that says what happened: ownership
// was transferred or the member removed meanwhile, and the store refused to
// undo it. Other errors pass through.
func memberChanged(err error, id string) error {
	if errors.Is(err, store.ErrConflict) {
		return errConflict("member %q changed while this request ran (ownership was transferred or the member removed); reload it and retry", id)
	}
	return err
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
