package admin

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMemberTokenRevokedOrRemovedIs401AtOnce: the admin API reads the token
// and member from the store on every call: self-revoke, rotation and removal
// take effect on the very next call.
func TestMemberTokenRevokedOrRemovedIs401AtOnce(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("auth")
			base := "/v1/workspaces/" + ow.Workspace.ID
			var m memberTokenResponse
			e.must(http.StatusCreated, "POST", base+"/members", map[string]any{"email": "m@x.test", "role": "admin"}, &m)
			var rot memberTokenResponse
			e.as(m.Token, http.StatusOK, "POST", base+"/tokens/self:rotate", nil, &rot)
			e.as(m.Token, http.StatusUnauthorized, "GET", "/v1/me", nil, nil)
			e.as(rot.Token, http.StatusOK, "GET", "/v1/me", nil, nil)
			e.as(ow.Token, http.StatusOK, "DELETE", base+"/members/"+m.Member.ID, nil, nil)
			e.as(rot.Token, http.StatusUnauthorized, "GET", "/v1/me", nil, nil)
			// An admin cannot remove the owner; nobody can.
			var a memberTokenResponse
			e.must(http.StatusCreated, "POST", base+"/members", map[string]any{"email": "a@x.test", "role": "admin"}, &a)
			e.as(a.Token, http.StatusUnprocessableEntity, "DELETE", base+"/members/"+ow.Owner.ID, nil, nil)
			e.as(a.Token, http.StatusOK, "DELETE", base+"/tokens/self", nil, nil)
			e.as(a.Token, http.StatusUnauthorized, "GET", base, nil, nil)
		})
	}
}

// TestWorkspaceRules: personal workspaces are undeletable, deletion needs the
// name, a downgrade below use is refused with the numbers, ownership moves
// to an admin only.
func TestWorkspaceRules(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("rules")
			base := "/v1/workspaces/" + ow.Workspace.ID
			var me meResponse
			e.as(ow.Token, http.StatusOK, "GET", "/v1/me", nil, &me)
			e.mustFail(http.StatusUnprocessableEntity, CodeUnprocessable, "DELETE", "/v1/workspaces/"+me.Account.PersonalWorkspaceID,
				map[string]any{"confirm": ow.Owner.Email + " (personal)"}, "personal")
			var a memberTokenResponse
			e.must(http.StatusCreated, "POST", base+"/members", map[string]any{"email": "a@r.test", "role": "admin"}, &a)
			e.mustFail(http.StatusUnprocessableEntity, CodePlanLimit, "PUT", base+"/plan", map[string]any{"plan": "free"}, "1 seats but 2 are taken")
			e.as(ow.Token, http.StatusOK, "PUT", base+"/plan", map[string]any{"plan": "pro"}, nil)
			e.as(a.Token, http.StatusForbidden, "POST", base+"/owner:transfer", map[string]any{"member_id": a.Member.ID}, nil)
			e.as(ow.Token, http.StatusOK, "POST", base+"/owner:transfer", map[string]any{"member_id": a.Member.ID}, nil)
			var old memberView
			e.as(a.Token, http.StatusOK, "GET", base+"/members/"+ow.Owner.ID, nil, &old)
			if old.Role != "admin" {
				t.Fatalf("old owner is %s, want admin", old.Role)
			}
			e.as(a.Token, http.StatusBadRequest, "DELETE", base, map[string]any{"confirm": "wrong"}, nil)
			e.as(a.Token, http.StatusOK, "DELETE", base, map[string]any{"confirm": "rules"}, nil)
			e.as(a.Token, http.StatusUnauthorized, "GET", "/v1/me", nil, nil)
		})
	}
}

// TestAuditRecordsMutationsWithoutSecrets: mutating calls leave entries with
// actor, action, target and address; filters and the JSON-lines export work;
// no token or credential is ever in the log.
func TestAuditRecordsMutationsWithoutSecrets(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("audit")
			base := "/v1/workspaces/" + ow.Workspace.ID
			var k keyResponse
			e.as(ow.Token, http.StatusCreated, "POST", base+"/keys", map[string]any{"name": "ci"}, &k)
			e.advance(time.Second) // entries are ordered by time, then id
			e.as(ow.Token, http.StatusCreated, "POST", base+"/upstreams",
				map[string]any{"name": "up", "base_url": "https://u.test", "kind": "llm", "credential": "sk-audit-secret"}, nil)
			e.advance(time.Second)
			inv := e.invite(ow.Token, ow.Workspace.ID, "i@a.test")
			var list page[auditView]
			e.as(ow.Token, http.StatusOK, "GET", base+"/audit?actor="+ow.Owner.ID, nil, &list)
			actions := []string{}
			for _, x := range list.Items {
				actions = append(actions, x.Action)
				if x.ActorID != ow.Owner.ID || x.Addr == "" {
					t.Errorf("entry %+v", x)
				}
			}
			if strings.Join(actions, ",") != "key.create,upstream.create,invitation.create" {
				t.Fatalf("actions %v", actions)
			}
			status, body := e.doAuth("GET", base+"/audit:export", nil, "Bearer "+e.op)
			lines := 0
			for sc := bufio.NewScanner(bytes.NewReader(body)); sc.Scan(); lines++ {
			}
			if status != http.StatusOK || lines != 4 { // workspace.create too
				t.Fatalf("export: %d, %d lines: %s", status, lines, body)
			}
			for _, secret := range []string{k.Secret, ow.Token, inv.Code, "sk-audit-secret"} {
				if bytes.Contains(body, []byte(secret)) {
					t.Errorf("a secret is in the audit log")
				}
			}
		})
	}
}
