package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/smtptest"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// as sends a request with tok and requires status; out may be nil.
func (e *env) as(tok string, want int, method, path string, body, out any) []byte {
	e.t.Helper()
	status, b := e.doAuth(method, path, body, "Bearer "+tok)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatal(err)
		}
	}
	return b
}

func (e *env) invite(tok, ws, email string) invitationResponse {
	e.t.Helper()
	var out invitationResponse
	e.as(tok, http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/invitations", map[string]any{"email": email, "role": "member"}, &out)
	return out
}

// accept posts code without a token and returns status and body.
func (e *env) accept(code string) (int, string) {
	status, b := e.doAuth("POST", "/v1/invitations:accept", map[string]any{"code": code}, "")
	return status, string(b)
}

func (e *env) mustAcceptFail(code string, status int, part string) {
	e.t.Helper()
	got, body := e.accept(code)
	if got != status || !strings.Contains(body, part) {
		e.t.Fatalf("accept: %d %s, want %d containing %q", got, body, status, part)
	}
}

// TestInvitationLifecycle: seats count pending invitations; duplicates
// conflict; accept creates the account and returns a working token once;
// used, cancelled, declined and expired (fake clock) codes are refused;
// resend replaces the code and resets the expiry.
func TestInvitationLifecycle(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("team") // plan starter: 5 seats, the owner takes one
			ws, own := ow.Workspace.ID, ow.Token
			inv := map[string]invitationResponse{}
			for _, who := range []string{"a", "b", "c", "d"} {
				inv[who] = e.invite(own, ws, who+"@inv.test")
				if !strings.HasPrefix(inv[who].AcceptURL, "https://admin.example.test/v1/invitations:accept?code=inv_") ||
					inv[who].Code == "" || inv[who].EmailSent {
					t.Fatalf("without SMTP the inviter gets the link: %+v", inv[who])
				}
			}
			status, body := e.doAuth("POST", "/v1/workspaces/"+ws+"/invitations", map[string]any{"email": "e@inv.test", "role": "member"}, "Bearer "+own)
			if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"seat_limit"`) || !strings.Contains(string(body), "5 of 5") {
				t.Fatalf("fifth seat: %d %s", status, body)
			}
			e.as(own, http.StatusOK, "POST", "/v1/workspaces/"+ws+"/invitations/"+inv["d"].Invitation.ID+":cancel", nil, nil)
			e.mustAcceptFail(inv["d"].Code, http.StatusConflict, "cancelled")
			e.as(own, http.StatusConflict, "POST", "/v1/workspaces/"+ws+"/invitations", map[string]any{"email": "a@inv.test", "role": "admin"}, nil)

			var acc acceptResponse
			status, sbody := e.accept(inv["a"].Code)
			if status != http.StatusCreated || json.Unmarshal([]byte(sbody), &acc) != nil || acc.Token == "" ||
				acc.Member.Role != "member" || acc.Account.PersonalWorkspaceID == "" {
				t.Fatalf("accept: %d %s", status, sbody)
			}
			var me meResponse
			e.as(acc.Token, http.StatusOK, "GET", "/v1/me", nil, &me)
			if me.Kind != "member" || me.Workspace.ID != ws || me.Member.Email != "a@inv.test" {
				t.Fatalf("me: %+v", me)
			}
			var mine page[workspaceView]
			e.as(acc.Token, http.StatusOK, "GET", "/v1/workspaces", nil, &mine)
			if len(mine.Items) != 2 {
				t.Fatalf("the new account sees its personal and the team workspace, got %+v", mine.Items)
			}
			e.mustAcceptFail(inv["a"].Code, http.StatusConflict, "accepted")
			unknown, _ := token.New(token.Invite, ws)
			e.mustAcceptFail(unknown, http.StatusNotFound, "unknown")
			e.mustAcceptFail("inv_garbage", http.StatusBadRequest, "code")

			e.must(http.StatusOK, "POST", "/v1/invitations:decline", map[string]any{"code": inv["b"].Code}, nil)
			e.mustAcceptFail(inv["b"].Code, http.StatusConflict, "declined")

			e.advance(store.InvitationTTL + time.Second)
			e.mustAcceptFail(inv["c"].Code, http.StatusConflict, "expired")
			var re invitationResponse
			e.as(own, http.StatusOK, "POST", "/v1/workspaces/"+ws+"/invitations/"+inv["c"].Invitation.ID+":resend", nil, &re)
			if re.Code == inv["c"].Code || !re.Invitation.ExpiresAt.Equal(e.now().Add(store.InvitationTTL)) {
				t.Fatalf("resend: %+v", re)
			}
			e.mustAcceptFail(inv["c"].Code, http.StatusNotFound, "unknown")
			if status, body := e.accept(re.Code); status != http.StatusCreated {
				t.Fatalf("accept after resend: %d %s", status, body)
			}
			for _, x := range e.responsesContaining(inv["a"].Code) {
				if x.method != "POST" || !strings.HasSuffix(x.path, "/invitations") {
					t.Errorf("the code of a appeared in %s %s", x.method, x.path)
				}
			}
		})
	}
}

// TestConcurrentInvitationsRaceForTheLastSeat: many inviters at once for one
// free seat, through HTTP: exactly one 201, the rest 422 seat_limit.
func TestConcurrentInvitationsRaceForTheLastSeat(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("race")
			for i := range 3 {
				e.invite(ow.Token, ow.Workspace.ID, fmt.Sprintf("p%d@race.test", i))
			}
			const n = 24
			statuses := make(chan int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					status, _ := e.doAuth("POST", "/v1/workspaces/"+ow.Workspace.ID+"/invitations",
						map[string]any{"email": fmt.Sprintf("r%d@race.test", i), "role": "reader"}, "Bearer "+ow.Token)
					statuses <- status
				})
			}
			wg.Wait()
			close(statuses)
			won := 0
			for s := range statuses {
				switch s {
				case http.StatusCreated:
					won++
				case http.StatusUnprocessableEntity:
				default:
					t.Errorf("status %d", s)
				}
			}
			if won != 1 {
				t.Fatalf("%d invitations won the last seat, want exactly 1", won)
			}
		})
	}
}

var acceptLink = regexp.MustCompile(`https://admin\.example\.test/v1/invitations:accept\?code=\S+`)

// TestInvitationEmailCarriesALinkThatAccepts: with SMTP configured, the
// invitation goes to a real loopback SMTP server, the API response holds no
// code, and the link from the e-mail accepts.
func TestInvitationEmailCarriesALinkThatAccepts(t *testing.T) {
	srv := smtptest.Start(t)
	mailer := notify.NewSMTP(notify.SMTPConfig{Addr: srv.Addr, From: "tollgate@example.test", StartTLS: notify.Never})
	e := newEnvWith(t, "embedded", mailer)
	ow := e.owned("mailed")
	got := e.invite(ow.Token, ow.Workspace.ID, "mia@mail.test")
	if !got.EmailSent || got.Code != "" || got.AcceptURL != "" {
		t.Fatalf("with SMTP the response carries no code: %+v", got)
	}
	var msg smtptest.Received
	select {
	case msg = <-srv.Messages():
	case <-time.After(10 * time.Second):
		t.Fatal("no e-mail arrived")
	}
	if len(msg.To) != 1 || msg.To[0] != "mia@mail.test" || !strings.Contains(msg.Body, "mailed") {
		t.Fatalf("e-mail: to %v body %q", msg.To, msg.Body)
	}
	link := acceptLink.FindString(msg.Body)
	u, err := url.Parse(link)
	if err != nil || link == "" {
		t.Fatalf("no accept link in %q", msg.Body)
	}
	var acc acceptResponse
	e.must(http.StatusCreated, "POST", "/v1/invitations:accept", map[string]any{"code": u.Query().Get("code")}, &acc)
	if acc.Member.Email != "mia@mail.test" || acc.Token == "" {
		t.Fatalf("accepted: %+v", acc)
	}
}

// TestResendIsEmailedWithANewCode: with SMTP configured, a resend sends a new
// e-mail whose code differs from the first one; only the new code accepts.
func TestResendIsEmailedWithANewCode(t *testing.T) {
	srv := smtptest.Start(t)
	mailer := notify.NewSMTP(notify.SMTPConfig{Addr: srv.Addr, From: "tollgate@example.test", StartTLS: notify.Never})
	e := newEnvWith(t, "embedded", mailer)
	ow := e.owned("mailed")
	got := e.invite(ow.Token, ow.Workspace.ID, "noa@mail.test")
	code := func() string {
		t.Helper()
		select {
		case msg := <-srv.Messages():
			u, err := url.Parse(acceptLink.FindString(msg.Body))
			if err != nil || u.Query().Get("code") == "" {
				t.Fatalf("no accept link in %q", msg.Body)
			}
			return u.Query().Get("code")
		case <-time.After(10 * time.Second):
			t.Fatal("no e-mail arrived")
		}
		return ""
	}
	first := code()
	var resent invitationResponse
	e.as(ow.Token, http.StatusOK, "POST", "/v1/workspaces/"+ow.Workspace.ID+"/invitations/"+got.Invitation.ID+":resend", nil, &resent)
	if !resent.EmailSent || resent.Code != "" {
		t.Fatalf("resend with SMTP: %+v", resent)
	}
	second := code()
	if second == first {
		t.Fatal("the resend e-mail carries the old code")
	}
	if s, _ := e.accept(first); s == http.StatusCreated {
		t.Fatal("the old code still accepts after a resend")
	}
	if s, body := e.accept(second); s != http.StatusCreated {
		t.Fatalf("the resent code: %d %s", s, body)
	}
}
