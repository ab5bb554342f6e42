package admin

import (
	"net/http"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// TestUsageRangeBoundedWithAClearError: a member's own report over the
// longest range (400 days of roll-ups, read in bounded pages on Redis) is
// complete, and a longer range is refused with a message that says how long
// it was and what the bound is, instead of an unbounded read.
func TestUsageRangeBoundedWithAClearError(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			f := e.usageFixture() // 5 requests, 3 of them the member's, over two days
			for range 399 {
				e.advance(24 * time.Hour)
				e.settle(f.ws, store.RequestRecord{TokenID: f.memberTk, MemberID: f.memberID, Kind: "member", Upstream: "openai", Model: "gpt-4o", Cost: 1})
				e.settle(f.ws, store.RequestRecord{TokenID: f.keyID, MemberID: "operator", Kind: "key", Upstream: "openai", Model: "gpt-4o", Cost: 1})
			}
			e.advance(time.Hour)
			var rep usageReport
			e.as(f.member, http.StatusOK, "GET", "/v1/workspaces/"+f.ws+"/usage/me?since=400d&by=model", nil, &rep)
			// The range starts 3 hours after the fixture's first day: the
			// member's two requests of its second day count, with the 399.
			if rep.MemberID != f.memberID || rep.Totals.Requests != 2+399 || rep.Totals.Cost != 10_000+399 {
				t.Fatalf("400 days of own usage: %+v", rep.Totals)
			}
			for _, q := range []string{"/usage/me?since=401d", "/usage?since=2020-01-01T00:00:00Z"} {
				status, body := e.doAuth("GET", "/v1/workspaces/"+f.ws+q, nil, "Bearer "+f.owner)
				if status != http.StatusBadRequest || !stringContains(string(body), "is longer than 400 days; it may span at most 400 days") {
					t.Fatalf("GET %s: %d %s", q, status, body)
				}
			}
		})
	}
}
