package admin

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
)

// Mailer sends e-mail; notify.NewSMTP returns one.
type Mailer = notify.Mailer

// mailTimeout bounds one invitation e-mail, so a hung SMTP server cannot hold
// the admin call.
const mailTimeout = 20 * time.Second

// acceptURL is the link that accepts an invitation with code.
func (a *api) acceptURL(r *http.Request, code string) string {
	base := a.publicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/v1/invitations:accept?code=" + url.QueryEscape(code)
}

// invitationResponse is a created or resent invitation. AcceptURL and Code
// are set only when no e-mail carried them (no SMTP, or sending failed): the
// inviter passes them on. This is the one response that shows the code.
type invitationResponse struct {
	Invitation invitationView `json:"invitation"`
	AcceptURL  string         `json:"accept_url,omitempty"`
	Code       string         `json:"code,omitempty"`
	EmailSent  bool           `json:"email_sent"`
	EmailError string         `json:"email_error,omitempty"`
}

// deliver e-mails the invitation when a Mailer is configured, and otherwise
// puts the link and code in the response for the inviter.
func (a *api) deliver(r *http.Request, ws *store.Workspace, inv *store.Invitation, code, inviter string) invitationResponse {
	out := invitationResponse{Invitation: viewInvitation(inv, a.now())}
	link := a.acceptURL(r, code)
	if a.mailer == nil {
		out.AcceptURL, out.Code = link, code
		return out
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), mailTimeout)
	defer cancel()
	msg := notify.Invitation(inv.Email, ws.Name, inviter, inv.Role, link, inv.ExpiresAt)
	if err := a.mailer.Send(ctx, msg); err != nil {
		a.log.Error("admin: invitation e-mail failed", "workspace", ws.ID, "invitation", inv.ID, "err", err)
		out.AcceptURL, out.Code = link, code
		out.EmailError = "the e-mail could not be sent; pass the link on yourself"
		return out
	}
	out.EmailSent = true
	return out
}
