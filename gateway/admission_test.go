package gateway_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// TestMalformedTokensNeverReachTheStore checks every missing or malformed
// credential, and operator tokens, get 401 without a single Admit call.
func TestMalformedTokensNeverReachTheStore(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL, nil)
	good := e.secret
	last := byte('A')
	if good[len(good)-1] == 'A' {
		last = 'B'
	}
	badSum := good[:len(good)-1] + string(last)
	op, err := token.New(token.Operator, token.OperatorWorkspace)
	must(t, err)
	cases := []struct {
		name string
		hdr  []string
		code string
	}{
		{"missing", nil, "missing_token"},
		{"empty bearer", []string{"Authorization", "Bearer "}, "missing_token"},
		{"basic scheme", []string{"Authorization", "Basic " + good}, "missing_token"},
		{"wrong prefix", []string{"Authorization", "Bearer xyz_" + good[4:]}, "invalid_token"},
		{"bad checksum", []string{"Authorization", "Bearer " + badSum}, "invalid_token"},
		{"truncated", []string{"X-Api-Key", good[:len(good)-1]}, "invalid_token"},
		{"10 KB header", []string{"Authorization", "Bearer " + strings.Repeat("a", 10<<10)}, "invalid_token"},
		{"non-UTF-8", []string{"Api-Key", string([]byte{0xff, 0xfe}) + good[2:]}, "invalid_token"},
		{"operator token", []string{"Authorization", "Bearer " + op}, "invalid_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertError(t, e.doWith("POST", "/llm/v1/chat", "{}", c.hdr...), 401, c.code)
		})
	}
	if n := e.admits.Load(); n != 0 {
		t.Fatalf("Admit called %d times for malformed tokens, want 0", n)
	}
	if n := up.n.Load(); n != 0 {
		t.Fatalf("upstream reached %d times", n)
	}
}

// TestBadRoutes checks invalid upstream names get 404 and dot segments 400,
// both before admission.
func TestBadRoutes(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	for _, p := range []string{"/", "/bad%20name/x", "/.hidden/x", "/" + strings.Repeat("a", 65) + "/x"} {
		assertError(t, e.do("GET", p, ""), 404, "unknown_upstream")
	}
	for _, p := range []string{"/llm/../admin", "/llm/v1/%2e%2E/x", "/llm/./x"} {
		req, err := http.NewRequest("GET", e.url+"/x", nil)
		must(t, err)
		req.URL.Opaque = p // keep the dots: net/http would clean them
		req.Header.Set("Authorization", "Bearer "+e.secret)
		resp, err := client.Do(req)
		must(t, err)
		assertError(t, resp, 400, "invalid_path")
		_ = resp.Body.Close()
	}
	if n := e.admits.Load(); n != 0 {
		t.Fatalf("Admit called %d times for bad routes", n)
	}
}

// TestAdmissionOutcomes checks each refusal of the store maps to its status
// and code, after exactly one Admit call each.
func TestAdmissionOutcomes(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL, nil)
	e.addUpstream("other", up.URL, nil)
	unknown, err := token.New(token.Member, e.ws)
	must(t, err)
	revoked := e.newToken(token.Member, func(r *store.Token) { r.Status = store.TokenRevoked })
	limitedTo := e.newToken(token.Key, func(r *store.Token) { r.Upstreams = []string{"other"} })
	cases := []struct {
		name, tok, path string
		status          int
		code            string
	}{
		{"unknown token", unknown, "/llm/x", 401, "unknown_token"},
		{"revoked token", revoked, "/llm/x", 401, "revoked_token"},
		{"unknown upstream", e.secret, "/nope/x", 404, "unknown_upstream"},
		{"forbidden upstream", limitedTo, "/llm/x", 403, "forbidden"},
	}
	for i, c := range cases {
		assertError(t, e.doWith("GET", c.path, "", "Authorization", "Bearer "+c.tok), c.status, c.code)
		if n := e.admits.Load(); n != int64(i+1) {
			t.Fatalf("%s: Admit calls = %d, want %d", c.name, n, i+1)
		}
	}
	if resp := e.doWith("GET", "/other/x", "", "Authorization", "Bearer "+limitedTo); resp.StatusCode != 200 {
		t.Fatalf("allowed upstream: status %d", resp.StatusCode)
	}
	must(t, e.s.Close()) // the store goes away: fail closed
	assertError(t, e.do("GET", "/llm/x", ""), 503, "store_unavailable")
}

// TestRateLimitHeaders checks admitted responses carry the applying limit and
// a 429 carries Retry-After and every rate-limit header, with a message that
// names the limit.
func TestRateLimitHeaders(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{MemberRPM: 2})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL, nil)
	first := e.do("GET", "/llm/x", "")
	if first.StatusCode != 200 || first.Header.Get("X-RateLimit-Limit") != "2" ||
		first.Header.Get("X-RateLimit-Remaining") != "1" ||
		first.Header.Get("RateLimit-Policy") != `"member";q=2;w=60` ||
		!strings.HasPrefix(first.Header.Get("RateLimit"), `"member";r=1;t=`) {
		t.Fatalf("admitted headers: %v", first.Header)
	}
	if e.do("GET", "/llm/x", "").StatusCode != 200 {
		t.Fatal("second request refused")
	}
	resp := e.do("GET", "/llm/x", "")
	h := resp.Header
	body := readAll(t, resp.Body)
	retry, err := strconv.Atoi(h.Get("Retry-After"))
	if resp.StatusCode != 429 || err != nil || retry < 1 || retry > 65 {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, h.Get("Retry-After"))
	}
	if h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Reset") == "" ||
		h.Get("RateLimit-Policy") != `"member";q=2;w=60` || !strings.HasPrefix(h.Get("RateLimit"), `"member";r=0;t=`) {
		t.Fatalf("429 headers: %v", h)
	}
	if !strings.Contains(body, `"code":"member_rate_limit"`) || !strings.Contains(body, "member_rate_limit allows 2 requests per minute") ||
		!strings.Contains(body, `"type":"rate_limit_error"`) {
		t.Fatalf("429 body %q", body)
	}
	if up.n.Load() != 2 {
		t.Fatalf("upstream saw %d requests, want 2", up.n.Load())
	}
}

// TestUpstreamConfigCachedByRevision checks the steady state reads the
// upstream once, and a changed upstream is picked up on the next request.
func TestUpstreamConfigCachedByRevision(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL, nil)
	for range 5 {
		if e.do("GET", "/llm/x", "").StatusCode != 200 {
			t.Fatal("request failed")
		}
	}
	if n := e.gets.Load(); n != 1 {
		t.Fatalf("GetUpstream called %d times for 5 requests, want 1", n)
	}
	e.addUpstream("llm", up.URL, func(u *store.Upstream) { u.Credential = "sk-rotated" })
	e.do("GET", "/llm/x", "")
	req, _ := up.request()
	if req.Header.Get("Authorization") != "Bearer sk-rotated" || e.gets.Load() != 2 {
		t.Fatalf("after rotation: Authorization %q, reads %d", req.Header.Get("Authorization"), e.gets.Load())
	}
}

// TestConcurrentRequests checks many clients at once all get through, with
// the race detector watching the pools and caches.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t, gateway.Config{MaxConnsPerUpstream: 8}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL, nil)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				req, _ := http.NewRequest("POST", e.url+"/llm/v1/x?g="+strconv.Itoa(g), strings.NewReader(strconv.Itoa(i)))
				req.Header.Set("Authorization", "Bearer "+e.secret)
				resp, err := client.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				if b := readAll(t, resp.Body); resp.StatusCode != 200 || b != `{"ok":true}` {
					errs <- strconv.Itoa(resp.StatusCode) + " " + b
				}
				_ = resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := up.n.Load(); n != 160 {
		t.Fatalf("upstream saw %d requests, want 160", n)
	}
}
