package main

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/redistest"
)

// sharedRedisYAML points a process at Redis with a store timeout generous
// enough that a loaded CI machine never turns these correctness tests into
// fail-closed 503s (the outage tests keep a tight one).
const sharedRedisYAML = "redis_url: %s\nstore: {timeout: 2s}\n"

// burst fires n concurrent requests, alternating between the given gateways,
// and returns how many got each status. Every 429 must carry Retry-After.
func burst(t *testing.T, n int, tok string, gateways ...*proc) map[int]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			status, h := callFull(t, gateways[i%len(gateways)].data, tok)
			if status == http.StatusTooManyRequests {
				if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("429 without a valid Retry-After: %q", h.Get("Retry-After"))
				}
			}
			mu.Lock()
			got[status]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	return got
}

// TestTwoReplicasOnOneRedisAdmitExactlyTheLimit: the member limit is shared
// through Redis, so two processes together admit exactly 120 of 300 (the
// LiteLLM #27736 / Bifrost #3547 bug was limit x replicas).
func TestTwoReplicasOnOneRedisAdmitExactlyTheLimit(t *testing.T) {
	rds := redistest.Start(t)
	redisYAML := fmt.Sprintf(sharedRedisYAML, rds.URL())
	a := startProc(t, redisYAML)
	b := startProc(t, redisYAML)
	b.operator = a.operator // the same operator token is not needed: admin goes through A
	ten := seedTenant(t, a, echoUpstream(t).URL)
	got := burst(t, 300, ten.token, a, b)
	if got[200] != 120 || got[429] != 180 {
		t.Fatalf("statuses = %v, want exactly 120 x 200 and 180 x 429", got)
	}
}

// TestOneEmbeddedProcessAdmitsExactlyTheLimit: the same with the embedded store.
func TestOneEmbeddedProcessAdmitsExactlyTheLimit(t *testing.T) {
	p := startProc(t, "")
	ten := seedTenant(t, p, echoUpstream(t).URL)
	got := burst(t, 300, ten.token, p)
	if got[200] != 120 || got[429] != 180 {
		t.Fatalf("statuses = %v, want exactly 120 x 200 and 180 x 429", got)
	}
	// The meter counts admitted requests only, attributed to the member's token.
	var usage struct {
		Counts []struct {
			TokenID  string `json:"token_id"`
			MemberID string `json:"member_id"`
			Upstream string
			Class    string `json:"status_class"`
			Requests int
		}
	}
	p.adminDo(t, "GET", "/v1/workspaces/"+ten.ws+"/usage", nil, &usage)
	if len(usage.Counts) != 1 {
		t.Fatalf("usage = %+v, want one row", usage)
	}
	if c := usage.Counts[0]; c.TokenID != ten.tokenID || c.MemberID != ten.memberID || c.Upstream != "echo" || c.Class != "2xx" || c.Requests != 120 {
		t.Fatalf("usage row = %+v, want 120 2xx requests of token %s", c, ten.tokenID)
	}
}

// TestRevokeOnReplicaAIsSeenByReplicaB: no cache of token status anywhere;
// the very next request on the other replica is refused. The same for a
// removed member.
func TestRevokeOnReplicaAIsSeenByReplicaB(t *testing.T) {
	rds := redistest.Start(t)
	redisYAML := fmt.Sprintf(sharedRedisYAML, rds.URL())
	a := startProc(t, redisYAML)
	b := startProc(t, redisYAML)
	up := echoUpstream(t).URL
	ten := seedTenant(t, a, up)
	if s := call(t, b.data, ten.token); s != 200 {
		t.Fatalf("before revoke: %d", s)
	}
	a.adminDo(t, "DELETE", "/v1/workspaces/"+ten.ws+"/tokens/"+ten.tokenID, nil, nil)
	if s := call(t, b.data, ten.token); s != 401 {
		t.Fatalf("first request on B after revoke on A: %d, want 401", s)
	}

	var m struct{ Token string }
	a.adminDo(t, "POST", "/v1/workspaces/"+ten.ws+"/members/"+ten.memberID+"/token:rotate", nil, &m)
	if s := call(t, b.data, m.Token); s != 200 {
		t.Fatalf("rotated token on B: %d", s)
	}
	a.adminDo(t, "DELETE", "/v1/workspaces/"+ten.ws+"/members/"+ten.memberID, nil, nil)
	if s := call(t, b.data, m.Token); s != 401 {
		t.Fatalf("first request on B after removing the member on A: %d, want 401", s)
	}
}

// TestRoleChangeOnReplicaAIsSeenByReplicaB: a member demoted to reader
// through A is refused (403 role_forbidden) on the very next request on B;
// promoted back, the next request on B passes.
func TestRoleChangeOnReplicaAIsSeenByReplicaB(t *testing.T) {
	rds := redistest.Start(t)
	redisYAML := fmt.Sprintf(sharedRedisYAML, rds.URL())
	a := startProc(t, redisYAML)
	b := startProc(t, redisYAML)
	ten := seedTenant(t, a, echoUpstream(t).URL)
	if s := call(t, b.data, ten.token); s != 200 {
		t.Fatalf("as member on B: %d", s)
	}
	a.adminDo(t, "PATCH", "/v1/workspaces/"+ten.ws+"/members/"+ten.memberID, map[string]any{"role": "reader"}, nil)
	if s := call(t, b.data, ten.token); s != 403 {
		t.Fatalf("first request on B after demotion to reader on A: %d, want 403", s)
	}
	a.adminDo(t, "PATCH", "/v1/workspaces/"+ten.ws+"/members/"+ten.memberID, map[string]any{"role": "member"}, nil)
	if s := call(t, b.data, ten.token); s != 200 {
		t.Fatalf("first request on B after promotion back on A: %d, want 200", s)
	}
}
