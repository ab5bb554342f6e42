package admin

import (
	"context"
	"net/http"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// TestAnchorChangeStartsANewCapPeriod: what openapi.json documents for
// SetBilling.anchor holds on both stores — a new anchor starts a new period,
// so a member at its monthly cap may spend again, and the old anchor back
// within the period finds the old count.
func TestAnchorChangeStartsANewCapPeriod(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("anchor")
			ws := ow.Workspace.ID
			e.upstreamLLM(ws)
			e.topUp(ws, "100")
			id, tok := e.memberOf(ws, "m@anchor.test", "member")
			e.must(http.StatusOK, "PATCH", "/v1/workspaces/"+ws+"/members/"+id, map[string]any{"monthly_credits": 1_000_000}, nil)
			toks, err := e.backend.ListTokens(context.Background(), ws)
			if err != nil {
				t.Fatal(err)
			}
			tokID := ""
			for _, tk := range toks {
				if tk.MemberID == id && tk.Kind == token.Member {
					tokID = tk.ID
				}
			}
			admit := func() limiter.Decision {
				t.Helper()
				var d limiter.Decision
				r := limiter.Request{Workspace: ws, TokenHash: token.HashOf([]byte(tok)), Upstream: "llm"}
				if err := e.backend.Admit(context.Background(), &r, &d); err != nil {
					t.Fatal(err)
				}
				return d
			}
			e.settle(ws, store.RequestRecord{TokenID: tokID, MemberID: id, Kind: "member", Upstream: "llm", Cost: 1_000_000})
			if d := admit(); d.Outcome != limiter.SpendCapped {
				t.Fatalf("at the cap under calendar months: %+v", d)
			}
			billing := "/v1/workspaces/" + ws + "/billing"
			e.as(ow.Token, http.StatusOK, "PUT", billing, map[string]any{"anchor": 2}, nil) // testNow is 2 January
			if d := admit(); d.Outcome != limiter.Allowed {
				t.Fatalf("after the anchor moved to the 2nd: %+v, want a new period", d)
			}
			e.as(ow.Token, http.StatusOK, "PUT", billing, map[string]any{"anchor": 0}, nil)
			if d := admit(); d.Outcome != limiter.SpendCapped {
				t.Fatalf("anchor back to calendar months: %+v, want the old count", d)
			}
		})
	}
}
