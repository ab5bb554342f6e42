package admin

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// TestUsageByMemberTimesTool: by=member_tool counts tool calls per member
// and tool from the stores' roll-ups (key traffic under member ""), labels
// each group "<e-mail> / <tool>", sums to the totals, and shows a member
// only its own rows, on both stores.
func TestUsageByMemberTimesTool(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			f := e.usageFixture() // ada: 1 call of "search"
			call := func(tokID, memberID, kind, tool string, n int, cost int64) {
				for range n {
					e.settle(f.ws, store.RequestRecord{TokenID: tokID, MemberID: memberID, Kind: kind, Upstream: "github",
						Tool: tool, ToolCall: true, Method: "POST", Route: "/github/mcp", Cost: cost})
				}
			}
			call(f.memberTk, f.memberID, "member", "fetch", 2, 5_000)
			call(f.keyID, "operator", "key", "search", 3, 1_000)
			base := "/v1/workspaces/" + f.ws + "/usage?by=member_tool"
			var rep usageReport
			e.as(f.owner, http.StatusOK, "GET", base, nil, &rep)
			rows := map[string]usageRow{}
			var sum int64
			for _, r := range rep.Rows {
				rows[r.Group] = r
				sum += r.ToolCalls
			}
			for group, want := range map[string]struct {
				calls int64
				label string
			}{
				f.memberID + "/search": {1, "ada@analytics.test / search"},
				f.memberID + "/fetch":  {2, "ada@analytics.test / fetch"},
				"/search":              {3, "(workspace keys) / search"},
				f.memberID + "/":       {0, "ada@analytics.test / (none)"},
			} {
				if r := rows[group]; r.ToolCalls != want.calls || r.Label != want.label {
					t.Errorf("group %q: %+v, want %d calls labelled %q", group, r, want.calls, want.label)
				}
			}
			if sum != 6 || rep.Totals.ToolCalls != 6 || rep.By != dimMemberTool {
				t.Fatalf("tool calls sum %d, totals %+v", sum, rep.Totals)
			}
			e.as(f.member, http.StatusOK, "GET", base+"&bucket=day", nil, &rep)
			for _, r := range rep.Rows {
				if r.Group[:len(f.memberID)] != f.memberID {
					t.Errorf("a member sees another's row %+v", r)
				}
			}
			if rep.Totals.ToolCalls != 3 {
				t.Fatalf("a member's own tool calls %+v", rep.Totals)
			}
		})
	}
}

// BenchmarkAggregateByMemberTool: a 30-day report of 20 members calling 5
// tools each, per day; summing a roll-up joins no strings (one allocation
// per row made, not per roll-up).
func BenchmarkAggregateByMemberTool(b *testing.B) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []store.UsageRow
	for h := 0; h < 30*24; h++ {
		for m := 0; m < 20; m++ {
			for tl := 0; tl < 5; tl++ {
				rows = append(rows, store.UsageRow{Hour: start.Add(time.Duration(h) * time.Hour), TokenID: "t" + strconv.Itoa(m),
					MemberID: "m" + strconv.Itoa(m), Kind: "member", Upstream: "github", Tool: "tool" + strconv.Itoa(tl),
					Requests: 2, ToolCalls: 2, Credits: 20})
			}
		}
	}
	q := usageQuery{By: dimMemberTool, Bucket: bucketDay}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, _ := aggregate(rows, q, nil)
		if len(out) != 30*20*5 {
			b.Fatalf("%d rows", len(out))
		}
	}
}
