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

// deliverAndRecord delivers the stored invitation inv (Mailed false) and,
// when the e-mail carried its code and the response does not, marks it
// Mailed, so that accepting it needs no proof of an existing account. The
// mark is written with inv's code hash, so it only ever vouches for a code
// that went by e-mail alone; if the write fails (the invitation changed
// meanwhile) it stays unmarked, which is the safe side.
func (a *api) deliverAndRecord(r *http.Request, ws *store.Workspace, inv *store.Invitation, code, inviter string) invitationResponse {
	out := a.deliver(r, ws, inv, code, inviter)
	if !out.EmailSent || out.Code != "" {
		return out
	}
	inv.Mailed = true
	ctx := context.WithoutCancel(r.Context())
	if err := a.store.UpdateInvitation(ctx, inv, store.InvitationPending); err != nil {
		a.log.Warn("admin: invitation e-mailed but not marked as such", "workspace", ws.ID, "invitation", inv.ID, "err", err)
	}
	return out
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
