package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type codeRequest struct {
	Code string `json:"code"`
}

// acceptResponse is the new membership and its member token, shown once.
type acceptResponse struct {
	Workspace workspaceView  `json:"workspace"`
	Member    memberView     `json:"member"`
	Account   *store.Account `json:"account"`
	Token     string         `json:"token"`
	TokenID   string         `json:"token_id"`
}

// acceptInvitation creates the membership with its member token. For a new
// email the code is the credential: the account (with its personal
// workspace) is created. When the email already has an account, the code
// alone is not enough if the inviter was shown it (no SMTP, or sending
// failed): the request must carry a member token of that account, or anyone
// able to invite could bind a membership to someone else's account and act
// with its other memberships. A code that went only by e-mail (Mailed)
// proves control of the email, so it accepts alone: an account left without
// an active member token can still join.
func (a *api) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, code, err := a.invitationByCode(w, r)
	if err != nil {
		return err
	}
	now := a.now().UTC()
	if st := inv.State(now); st != store.InvitationPending {
		return errConflict("invitation is %s", st)
	}
	acc, created, err := a.accountOf(r.Context(), inv.Email)
	if err != nil {
		return err
	}
	if !created && !inv.Mailed {
		if err := a.provesAccount(r, acc); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate-admin"`)
			return err
		}
	}
	m := &store.Member{ID: token.NewID(), WorkspaceID: inv.WorkspaceID, Email: inv.Email,
		Status: store.MemberActive, AccountID: acc.ID, CreatedAt: now}
	secret, t, err := store.NewToken(token.Member, inv.WorkspaceID, m.ID, "", now)
	if err != nil {
		return err
	}
	got, err := a.store.AcceptInvitation(r.Context(), inv.WorkspaceID, code, now, m, t)
	switch {
	case errors.Is(err, store.ErrConflict) && got != nil:
		return errConflict("invitation is %s", got.State(now))
	case errors.Is(err, store.ErrExists):
		return errConflict("%s is already an active member of this workspace", inv.Email)
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("unknown invitation code")
	case err != nil:
		return err
	}
	m.Role = got.Role
	ws, err := a.store.GetWorkspace(r.Context(), inv.WorkspaceID)
	if err != nil {
		return err
	}
	c := callerOf(r)
	c.member = m // the audit actor is the new member
	c.audit = auditNote{workspace: ws.ID, targetKind: "invitation", targetID: inv.ID, detail: "accepted as " + m.Role}
	return writeJSON(w, http.StatusCreated, acceptResponse{Workspace: viewWorkspace(ws), Member: viewMember(m),
		Account: acc, Token: secret, TokenID: t.ID})
}

// provesAccount requires the request's "Authorization: Bearer mwt_…" to be
// an active member token of an active membership of acc, checked in the
// store like admin authentication. An operator token proves nothing here.
func (a *api) provesAccount(r *http.Request, acc *store.Account) error {
	refuse := newError(http.StatusUnauthorized, CodeUnauthorized,
		"%s already has an account: accept this invitation while signed in as it, with Authorization: Bearer mwt_… "+
			"of one of its memberships (CLI: tollgate invite accept CODE with TOLLGATE_TOKEN set or a saved login)", acc.Email)
	cred, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return refuse
	}
	p, err := token.Parse([]byte(cred))
	if err != nil || p.Kind != token.Member {
		return refuse
	}
	c, err := a.memberCaller(r, string(p.Workspace), token.HashOf([]byte(cred)))
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return refuse
	}
	if err != nil {
		return err
	}
	m := c.member
	if m.AccountID == acc.ID || (m.AccountID == "" && strings.EqualFold(m.Email, acc.Email)) {
		return nil
	}
	return refuse
}

// declineInvitation needs no token: the code is the credential.
func (a *api) declineInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, _, err := a.invitationByCode(w, r)
	if err != nil {
		return err
	}
	now := a.now().UTC()
	if st := inv.State(now); st != store.InvitationPending {
		return errConflict("invitation is %s", st)
	}
	inv.Status = store.InvitationDeclined
	if err := a.store.UpdateInvitation(r.Context(), inv, store.InvitationPending); err != nil {
		return stateConflict(err, inv)
	}
	callerOf(r).audit = auditNote{workspace: inv.WorkspaceID, targetKind: "invitation", targetID: inv.ID,
		detail: "declined by " + inv.Email}
	return writeJSON(w, http.StatusOK, struct {
		Invitation invitationView `json:"invitation"`
	}{viewInvitation(inv, now)})
}

// invitationByCode decodes {code} and finds its invitation: the workspace
// travels in the code, and the invitation is the one whose code hash matches.
func (a *api) invitationByCode(w http.ResponseWriter, r *http.Request) (*store.Invitation, token.Hash, error) {
	var req codeRequest
	if err := decodeBody(w, r, &req); err != nil {
		return nil, token.Hash{}, err
	}
	p, err := token.Parse([]byte(req.Code))
	if err != nil || p.Kind != token.Invite {
		return nil, token.Hash{}, errInvalid("code: not an invitation code (inv_…, as in the accept link)")
	}
	ws, h := string(p.Workspace), token.HashOf([]byte(req.Code))
	all, err := a.store.ListInvitations(r.Context(), ws)
	if err != nil {
		return nil, h, err
	}
	for i := range all {
		if all[i].CodeHash == h {
			return &all[i], h, nil
		}
	}
	return nil, h, errNotFound("unknown invitation code")
}

// acceptHint answers a GET on the accept link (opened in a browser) with how
// to accept: the link is a POST so that a link preview cannot accept it.
func (a *api) acceptHint(w http.ResponseWriter, r *http.Request) error {
	code := r.URL.Query().Get("code")
	if p, err := token.Parse([]byte(code)); err != nil || p.Kind != token.Invite {
		code = "CODE"
	}
	return writeJSON(w, http.StatusOK, map[string]string{
		"message": "To accept this invitation, POST the code, or run the CLI command.",
		"curl":    `curl -X POST ` + a.acceptURLBase(r) + ` -H 'Content-Type: application/json' -d '{"code":"` + code + `"}'`,
		"cli":     "tollgate invite accept " + code,
	})
}

func (a *api) acceptURLBase(r *http.Request) string {
	u := a.acceptURL(r, "")
	return u[:len(u)-len("?code=")]
}
