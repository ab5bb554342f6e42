package admin

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/token"
)

// admit runs the real admission decision for tok against upstream "llm".
func (e *env) admit(tok string) limiter.Outcome {
	e.t.Helper()
	p, err := token.Parse([]byte(tok))
	if err != nil {
		e.t.Fatalf("token does not parse: %v", err)
	}
	var d limiter.Decision
	r := limiter.Request{Workspace: string(p.Workspace), TokenHash: token.HashOf([]byte(tok)), Upstream: "llm"}
	if err := e.store.Admit(context.Background(), &r, &d); err != nil {
		e.t.Fatal(err)
	}
	return d.Outcome
}

func (e *env) upstreamLLM(ws string) {
	e.t.Helper()
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/upstreams",
		map[string]any{"name": "llm", "base_url": "http://127.0.0.1:1/v1", "kind": "llm", "credential": "sk-upstream"}, nil)
}

// TestMemberTokenWorksUntilRotatedOrRemoved: the token returned once admits
// requests; rotation revokes it at once; removal revokes the new one.
func TestMemberTokenWorksUntilRotatedOrRemoved(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("m")
	e.upstreamLLM(ws)
	var created memberTokenResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/members",
		map[string]any{"email": "alice@example.com", "role": "member", "rpm": 30}, &created)
	p, err := token.Parse([]byte(created.Token))
	if err != nil || p.Kind != token.Member || string(p.Workspace) != ws {
		t.Fatalf("token %s…: %v %+v", token.Display(created.Token), err, p)
	}
	m := created.Member
	if m.Email != "alice@example.com" || m.Role != "member" || m.RPM != 30 || m.Status != "active" {
		t.Fatalf("member %+v", m)
	}
	if got := e.admit(created.Token); got != limiter.Allowed {
		t.Fatalf("new member token: %v", got)
	}
	var rotated memberTokenResponse
	e.must(http.StatusOK, "POST", "/v1/workspaces/"+ws+"/members/"+m.ID+"/token:rotate", nil, &rotated)
	if rotated.Token == created.Token || rotated.TokenID == created.TokenID {
		t.Fatal("rotation returned the old token")
	}
	if got := e.admit(created.Token); got != limiter.Revoked {
		t.Fatalf("old token after rotation: %v", got)
	}
	if got := e.admit(rotated.Token); got != limiter.Allowed {
		t.Fatalf("rotated token: %v", got)
	}
	var rm removeMemberResponse
	e.must(http.StatusOK, "DELETE", "/v1/workspaces/"+ws+"/members/"+m.ID, nil, &rm)
	removed := rm.Member
	if removed.Status != "removed" || e.admit(rotated.Token) != limiter.Revoked {
		t.Fatalf("after removal: %+v %v", removed, e.admit(rotated.Token))
	}
	e.mustFail(http.StatusConflict, CodeConflict, "POST", "/v1/workspaces/"+ws+"/members/"+m.ID+"/token:rotate", nil, "removed")
	e.mustFail(http.StatusConflict, CodeConflict, "PATCH", "/v1/workspaces/"+ws+"/members/"+m.ID, map[string]any{"rpm": 1}, "removed")
	e.must(http.StatusOK, "DELETE", "/v1/workspaces/"+ws+"/members/"+m.ID, nil, nil) // idempotent
	e.mustFail(http.StatusNotFound, CodeNotFound, "GET", "/v1/workspaces/"+ws+"/members/nobody", nil, `member "nobody"`)
}

// TestMemberPatchAndOwnerRules: role and rpm change; a workspace keeps one owner.
func TestMemberPatchAndOwnerRules(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("o")
	ws := ow.Workspace.ID
	base := "/v1/workspaces/" + ws + "/members"
	var bob memberTokenResponse
	owner := memberTokenResponse{Member: &ow.Owner}
	e.must(http.StatusCreated, "POST", base, map[string]any{"email": "b@x.io", "role": "reader"}, &bob)
	e.mustFail(http.StatusConflict, CodeConflict, "POST", base, map[string]any{"email": "c@x.io", "role": "owner"}, "already has an owner")
	e.mustFail(http.StatusConflict, CodeConflict, "POST", base, map[string]any{"email": "b@x.io", "role": "member"}, "already a member")
	e.mustFail(http.StatusUnprocessableEntity, CodeUnprocessable, "PATCH", base+"/"+bob.Member.ID, map[string]any{"role": "owner"}, "ownership transfer")
	e.mustFail(http.StatusUnprocessableEntity, CodeUnprocessable, "PATCH", base+"/"+owner.Member.ID, map[string]any{"role": "admin"}, "transfer ownership")
	e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "PATCH", base+"/"+bob.Member.ID, map[string]any{}, "at least one")
	e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "PATCH", base+"/"+bob.Member.ID, map[string]any{"role": "root"}, "role")
	var got memberView
	e.must(http.StatusOK, "PATCH", base+"/"+bob.Member.ID, map[string]any{"role": "admin", "rpm": 9}, &got)
	if got.Role != "admin" || got.RPM != 9 {
		t.Fatalf("patch not applied: %+v", got)
	}
	e.must(http.StatusOK, "GET", base+"/"+bob.Member.ID, nil, &got)
	if got.Role != "admin" || got.RPM != 9 || got.Email != "b@x.io" {
		t.Fatalf("patch not stored: %+v", got)
	}
	var list page[memberView]
	e.must(http.StatusOK, "GET", base, nil, &list)
	if len(list.Items) != 2 {
		t.Fatalf("list: %+v", list)
	}
}

// TestConcurrentMemberCreation: many admins adding members at once all get
// distinct working tokens (run with -race).
func TestConcurrentMemberCreation(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("c")
	e.upstreamLLM(ws)
	const n = 32
	toks := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r memberTokenResponse
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/members",
				map[string]any{"email": fmt.Sprintf("u%d@x.io", i), "role": "member"}, &r)
			toks[i] = r.Token
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, tok := range toks {
		if seen[tok] || e.admit(tok) != limiter.Allowed {
			t.Fatalf("token duplicated or refused")
		}
		seen[tok] = true
	}
}
