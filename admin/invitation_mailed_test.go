package admin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/smtptest"
	"github.com/tollgate-dev/tollgate/notify"
)

// mailEnv is an env whose invitations go to a loopback SMTP server that
// refuses every recipient while failing is set.
type mailEnv struct {
	*env
	srv     *smtptest.Server
	failing atomic.Bool
}

func newMailEnv(t *testing.T, backend string) *mailEnv {
	m := &mailEnv{}
	m.srv = smtptest.StartWith(t, smtptest.Options{RejectRcpt: func(string) bool { return m.failing.Load() }})
	m.env = newEnvWith(t, backend, notify.NewSMTP(notify.SMTPConfig{Addr: m.srv.Addr,
		From: "tollgate@example.test", StartTLS: notify.Never}))
	return m
}

// mailedCode waits for the next e-mail and returns the code of its link.
func (m *mailEnv) mailedCode() string {
	m.t.Helper()
	select {
	case msg := <-m.srv.Messages():
		u, err := url.Parse(acceptLink.FindString(msg.Body))
		if err != nil || u.Query().Get("code") == "" {
			m.t.Fatalf("no accept link in %q", msg.Body)
		}
		return u.Query().Get("code")
	case <-time.After(10 * time.Second):
		m.t.Fatal("no e-mail arrived")
	}
	return ""
}

// lockedOut makes email an account with no active member token: it accepts
// an invitation to a new workspace (creating the account) and is removed.
func lockedOut(e *env, email string, code func(invitationResponse) string) acceptResponse {
	e.t.Helper()
	w1 := e.owned("first team")
	status, body := e.accept(code(e.invite(w1.Token, w1.Workspace.ID, email)))
	var acc acceptResponse
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &acc) != nil {
		e.t.Fatalf("first accept: %d %s", status, body)
	}
	e.as(w1.Token, http.StatusOK, "DELETE", "/v1/workspaces/"+w1.Workspace.ID+"/members/"+acc.Member.ID, nil, nil)
	if s, _ := e.doAuth("GET", "/v1/me", nil, "Bearer "+acc.Token); s != http.StatusUnauthorized {
		e.t.Fatalf("the removed member's token still works: %d", s)
	}
	return acc
}

// TestMailedCodeAcceptsForAnAccountWithoutToken: an account left with no
// active member token (removed from its only team) accepts a later
// invitation with the code that came only by e-mail, without a token, into
// its own account.
func TestMailedCodeAcceptsForAnAccountWithoutToken(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			m := newMailEnv(t, backend)
			first := lockedOut(m.env, "bob@mail.test", func(invitationResponse) string { return m.mailedCode() })
			w2 := m.owned("second team")
			if got := m.invite(w2.Token, w2.Workspace.ID, "bob@mail.test"); !got.EmailSent || got.Code != "" {
				t.Fatalf("with SMTP the inviter gets no code: %+v", got)
			}
			status, body := m.accept(m.mailedCode())
			var acc acceptResponse
			if status != http.StatusCreated || json.Unmarshal([]byte(body), &acc) != nil ||
				acc.Account.ID != first.Account.ID || acc.Workspace.ID != w2.Workspace.ID || acc.Token == "" {
				t.Fatalf("the e-mailed code accepts into bob's account: %d %s", status, body)
			}
		})
	}
}

// TestCodeShownToInviterStillNeedsTheAccountsToken: without SMTP the inviter
// holds the code, so the same locked-out account is refused (401) without a
// token: the takeover guard holds.
func TestCodeShownToInviterStillNeedsTheAccountsToken(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			lockedOut(e, "bob@mail.test", func(inv invitationResponse) string { return inv.Code })
			w2 := e.owned("second team")
			inv := e.invite(w2.Token, w2.Workspace.ID, "bob@mail.test")
			e.mustAcceptFail(inv.Code, http.StatusUnauthorized, "bob@mail.test already has an account")
		})
	}
}

// TestResendHandingBackTheCodeClearsMailed: an invitation first e-mailed is
// resent while sending fails, so the new code goes to the inviter; it no
// longer accepts alone for the existing account (401), while the e-mailed
// code of a later successful resend does.
func TestResendHandingBackTheCodeClearsMailed(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			m := newMailEnv(t, backend)
			victim, attacker := m.owned("victim corp"), m.owned("attacker")
			inv := m.invite(attacker.Token, attacker.Workspace.ID, victim.Owner.Email)
			m.mailedCode()
			resend := "/v1/workspaces/" + attacker.Workspace.ID + "/invitations/" + inv.Invitation.ID + ":resend"
			m.failing.Store(true)
			var shown invitationResponse
			m.as(attacker.Token, http.StatusOK, "POST", resend, nil, &shown)
			if shown.EmailSent || shown.Code == "" {
				t.Fatalf("a failed e-mail hands the code to the inviter: %+v", shown)
			}
			m.mustAcceptFail(shown.Code, http.StatusUnauthorized, victim.Owner.Email+" already has an account")
			m.failing.Store(false)
			var mailed invitationResponse
			m.as(attacker.Token, http.StatusOK, "POST", resend, nil, &mailed)
			if !mailed.EmailSent || mailed.Code != "" {
				t.Fatalf("resend with SMTP working: %+v", mailed)
			}
			status, body := m.accept(m.mailedCode())
			if status != http.StatusCreated || !strings.Contains(body, victim.Owner.Email) {
				t.Fatalf("the e-mailed code of the last resend accepts: %d %s", status, body)
			}
		})
	}
}
