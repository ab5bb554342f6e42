package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// acceptAs posts code with auth ("" for none) and returns status and body.
func (e *env) acceptAs(code, auth string) (int, string) {
	status, b := e.doAuth("POST", "/v1/invitations:accept", map[string]any{"code": code}, auth)
	return status, string(b)
}

// TestAcceptForAnExistingAccountNeedsItsToken: an attacker invites the
// victim's email into a workspace of its own and accepts with the code it
// holds (no SMTP). Without a token, with its own token, with the operator
// token or with the victim's revoked token the accept is 401 and hands out
// no token; the invitation stays pending, and the victim's own token accepts.
func TestAcceptForAnExistingAccountNeedsItsToken(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			victim, attacker := e.owned("victim corp"), e.owned("attacker")
			inv := e.invite(attacker.Token, attacker.Workspace.ID, strings.ToUpper(victim.Owner.Email))
			var rotated memberTokenResponse
			e.as(victim.Token, http.StatusOK, "POST", "/v1/workspaces/"+victim.Workspace.ID+"/tokens/self:rotate", nil, &rotated)
			for name, auth := range map[string]string{"no token": "", "attacker's token": "Bearer " + attacker.Token,
				"operator token": "Bearer " + e.op, "victim's revoked token": "Bearer " + victim.Token,
				"garbage": "Bearer mwt_garbage", "basic": "Basic " + rotated.Token} {
				status, body := e.acceptAs(inv.Code, auth)
				if status != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) ||
					!strings.Contains(body, victim.Owner.Email+" already has an account") ||
					!strings.Contains(body, "tollgate invite accept CODE") || strings.Contains(body, `"token"`) {
					t.Fatalf("%s: %d %s, want 401 unauthorized naming the account", name, status, body)
				}
			}
			var pending page[invitationView]
			e.as(attacker.Token, http.StatusOK, "GET", "/v1/workspaces/"+attacker.Workspace.ID+"/invitations", nil, &pending)
			if len(pending.Items) != 1 || pending.Items[0].Status != "pending" {
				t.Fatalf("refused accepts must leave the invitation pending: %+v", pending.Items)
			}
			var me meResponse
			e.as(rotated.Token, http.StatusOK, "GET", "/v1/me", nil, &me)
			status, body := e.acceptAs(inv.Code, "Bearer "+rotated.Token)
			var acc acceptResponse
			if status != http.StatusCreated || json.Unmarshal([]byte(body), &acc) != nil ||
				acc.Account.ID != me.Account.ID || acc.Member.Email != victim.Owner.Email || acc.Workspace.ID != attacker.Workspace.ID {
				t.Fatalf("the victim's own token accepts into its account: %d %s", status, body)
			}
			var mine page[workspaceView]
			e.as(rotated.Token, http.StatusOK, "GET", "/v1/workspaces", nil, &mine)
			if len(mine.Items) != 3 { // personal, victim corp, attacker
				t.Fatalf("the victim's account sees its three workspaces, got %+v", mine.Items)
			}
		})
	}
}

// TestAcceptForANewEmailNeedsNoToken: the code alone accepts for an email
// without an account; a token sent along (a saved login of someone else) is
// ignored, and the account is the new email's own.
func TestAcceptForANewEmailNeedsNoToken(t *testing.T) {
	e := newEnv(t)
	ow, other := e.owned("team"), e.owned("other")
	for i, auth := range []string{"", "Bearer " + other.Token} {
		inv := e.invite(ow.Token, ow.Workspace.ID, fmt.Sprintf("new%d@fresh.test", i))
		status, body := e.acceptAs(inv.Code, auth)
		var acc acceptResponse
		if status != http.StatusCreated || json.Unmarshal([]byte(body), &acc) != nil ||
			acc.Account.Email != fmt.Sprintf("new%d@fresh.test", i) || acc.Token == "" {
			t.Fatalf("accept %d: %d %s", i, status, body)
		}
		var me meResponse
		e.as(acc.Token, http.StatusOK, "GET", "/v1/me", nil, &me)
		if me.Account.ID != acc.Account.ID {
			t.Fatalf("the token acts as the new account: %+v", me)
		}
	}
}

// TestConcurrentAcceptsOfOneNewEmail: many workspaces invite one new email
// and all codes are accepted at once without a token. The accept that
// creates the account wins; the others find the account existing and are
// refused (401) rather than bound to it on the strength of a code.
func TestConcurrentAcceptsOfOneNewEmail(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			const n = 8
			codes := make([]string, n)
			for i := range codes {
				ow := e.owned(fmt.Sprintf("team %d", i))
				codes[i] = e.invite(ow.Token, ow.Workspace.ID, "race@fresh.test").Code
			}
			statuses := make(chan int, n)
			var wg sync.WaitGroup
			for _, code := range codes {
				wg.Go(func() {
					status, _ := e.acceptAs(code, "")
					statuses <- status
				})
			}
			wg.Wait()
			close(statuses)
			count := map[int]int{}
			for s := range statuses {
				count[s]++
			}
			if count[http.StatusCreated] != 1 || count[http.StatusUnauthorized] != n-1 {
				t.Fatalf("statuses %v, want one 201 and %d 401", count, n-1)
			}
		})
	}
}

// TestCreateMemberFindsAnExistingMemberWhateverTheCase: the operator adding
// an active member's email in other letter case is a conflict.
func TestCreateMemberFindsAnExistingMemberWhateverTheCase(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("cased")
	e.mustFail(http.StatusConflict, "conflict", "POST", "/v1/workspaces/"+ow.Workspace.ID+"/members",
		map[string]any{"email": strings.ToUpper(ow.Owner.Email), "role": "member"}, "already a member")
}
