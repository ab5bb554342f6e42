package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// TestMemberCannotShadowPublicUpstream: a private upstream named like a
// public one replaces it for the whole workspace, so a plain member may not
// register one (403 naming the public upstream); owners and admins may.
func TestMemberCannotShadowPublicUpstream(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			e.must(http.StatusCreated, "POST", "/v1/upstreams",
				map[string]any{"name": "openai", "base_url": "https://api.openai.com/v1", "kind": "llm"}, nil)
			ws, member, _ := e.callerAs("member")
			base := "/v1/workspaces/" + ws + "/upstreams"
			body := func(name string) map[string]any {
				return map[string]any{"name": name, "base_url": "https://evil.example.com/v1", "kind": "llm"}
			}
			status, b := e.doAuth("POST", base, body("openai"), "Bearer "+member)
			if status != http.StatusForbidden || !stringContains(string(b), `"forbidden"`) ||
				!stringContains(string(b), `\"openai\" is the name of a public upstream`) {
				t.Fatalf("member shadowing openai: %d %s, want 403 forbidden naming the public upstream", status, b)
			}
			if _, _, err := e.backend.GetUpstream(context.Background(), ws, "openai"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("refused upstream stored anyway: %v", err)
			}
			e.as(member, http.StatusCreated, "POST", base, body("mine"), nil)
			for _, role := range []string{"owner", "admin"} {
				ws, tok, _ := e.callerAs(role)
				e.as(tok, http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/upstreams", body("openai"), nil)
			}
		})
	}
}

// TestMemberUpstreamMustNotTargetGatewayHost: any account can register
// upstreams in its own workspace, so a member caller's base URL may not be
// loopback, link-local (cloud metadata) or unspecified, on create or edit;
// private ranges stay allowed, and the operator is trusted.
func TestMemberUpstreamMustNotTargetGatewayHost(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("ssrf")
	base := "/v1/workspaces/" + ow.Workspace.ID + "/upstreams"
	var m memberTokenResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ow.Workspace.ID+"/members",
		map[string]any{"email": "m@ssrf.test", "role": "member"}, &m)
	for i, c := range refusedTargets {
		body := map[string]any{"name": fmt.Sprintf("bad-%d", i), "base_url": c.url, "kind": "llm"}
		for _, tok := range []string{ow.Token, m.Token} {
			status, b := e.doAuth("POST", base, body, "Bearer "+tok)
			if status != http.StatusUnprocessableEntity || !stringContains(string(b), `"unprocessable"`) || !stringContains(string(b), c.why) {
				t.Errorf("POST %s: %d %s, want 422 unprocessable naming %q", c.url, status, b, c.why)
			}
		}
	}
	for i, u := range []string{"http://10.0.0.5:8000/v1", "http://172.16.3.4/v1", "http://192.168.1.10:11434/v1",
		"http://[fd12:3456::1]/v1", "https://api.openai.com/v1"} {
		e.as(m.Token, http.StatusCreated, "POST", base, map[string]any{"name": fmt.Sprintf("ok-%d", i), "base_url": u, "kind": "llm"}, nil)
	}
	status, b := e.doAuth("PUT", base+"/ok-0", map[string]any{"base_url": "http://169.254.169.254/", "kind": "llm"}, "Bearer "+ow.Token)
	if status != http.StatusUnprocessableEntity || !stringContains(string(b), "link-local") {
		t.Fatalf("owner PUT to metadata address: %d %s, want 422", status, b)
	}
	e.must(http.StatusOK, "PUT", base+"/ok-0", map[string]any{"base_url": "http://127.0.0.1:9/v1", "kind": "llm"}, nil)
	e.must(http.StatusCreated, "POST", base, map[string]any{"name": "op-local", "base_url": "http://localhost:9/v1", "kind": "llm"}, nil)
}

// refusedTargets are base URLs a member may not register, with a word the
// refusal must name.
var refusedTargets = []struct{ url, why string }{
	{"http://127.0.0.1:8081/v1", "loopback"},
	{"http://127.9.9.9/", "loopback"},
	{"http://[::1]:8081/", "loopback"},
	{"http://[::ffff:127.0.0.1]/", "loopback"},
	{"http://localhost:8081/v1", "loopback"},
	{"http://LocalHost./v1", "loopback"},
	{"http://admin.localhost/v1", "loopback"},
	{"http://169.254.169.254/latest/meta-data", "link-local"},
	{"http://[fe80::1%25eth0]/", "link-local"},
	{"http://[fd00:ec2::254]/", "cloud metadata"},
	{"http://0.0.0.0:8081/", "unspecified"},
	{"http://[::]:8081/", "unspecified"},
	{"http://127.1/", "not a standard IP address"},
	{"http://2130706433/", "not a standard IP address"},
	{"http://0x7f.0.0.1/", "not a standard IP address"},
}

// TestConcurrentTransfersMoveOnce: ten concurrent transfers of one upstream
// to two workspaces: exactly one succeeds, and the upstream (with its
// credential) ends in exactly one workspace.
func TestConcurrentTransfersMoveOnce(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			for round := 0; round < 3; round++ {
				src, dsts := e.workspace("src"), []string{e.workspace("dst a"), e.workspace("dst b")}
				e.upstreamLLM(src)
				var wg sync.WaitGroup
				start := make(chan struct{})
				statuses := make([]int, 10)
				for i := range statuses {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						statuses[i], _ = e.do("POST", "/v1/workspaces/"+src+"/upstreams/llm:transfer",
							map[string]any{"to_workspace": dsts[i%2]})
					}()
				}
				close(start)
				wg.Wait()
				ok := 0
				for _, s := range statuses {
					switch s {
					case http.StatusOK:
						ok++
					case http.StatusNotFound, http.StatusConflict:
					default:
						t.Fatalf("round %d: transfer status %d, want 200, 404 or 409: %v", round, s, statuses)
					}
				}
				if ok != 1 {
					t.Fatalf("round %d: %d transfers succeeded, want exactly 1: %v", round, ok, statuses)
				}
				if in := e.holders("llm", append(dsts, src)...); len(in) != 1 || in[0] == src {
					t.Fatalf("round %d: upstream in workspaces %v, want exactly one target", round, in)
				}
			}
		})
	}
}

// holders returns the workspaces among wss that have an upstream named name
// with its credential.
func (e *env) holders(name string, wss ...string) []string {
	e.t.Helper()
	var in []string
	for _, ws := range wss {
		u, _, err := e.backend.GetUpstream(context.Background(), ws, name)
		switch {
		case err == nil && u.Credential == "sk-upstream":
			in = append(in, ws)
		case err == nil:
			e.t.Fatalf("upstream in %s lost its credential", ws)
		case !errors.Is(err, store.ErrNotFound):
			e.t.Fatal(err)
		}
	}
	return in
}
