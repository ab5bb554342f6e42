package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestBatchKeepsItsHoldUntilItsLastCall: the admission's hold for a batch
// of tool calls stays whole until every call has settled, though the call
// settled under the admission's request id answers first; then both calls
// are charged and nothing stays held (review 6 #8: the hold went with the
// first call, leaving the rest of the batch uncovered).
func TestBatchKeepsItsHoldUntilItsLastCall(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newMCPUpstream(t, func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, nil)
	})
	e.addMCP(up.URL)
	fed := 0 // acks the slow call got; a failing test feeds the rest so that the upstream can close
	t.Cleanup(func() {
		go func(n int) {
			for range n {
				up.ack <- struct{}{}
			}
		}(3 - fed)
	})
	r := e.doMCP(t, "POST", "/up", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`,
		"Content-Type", "application/json")
	sid := r.Header.Get("Mcp-Session-Id")
	readAll(t, r.Body)
	h := []string{"Content-Type", "application/json", "Mcp-Session-Id", sid, "MCP-Protocol-Version", "2025-03-26"}
	readAll(t, e.doMCP(t, "POST", "/up", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, h...).Body)
	before := e.credits()
	batch := `[` + strings.Replace(call(2, "echo"), `"arguments":{}`, `"arguments":{"text":"hi"}`, 1) +
		`,{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"slow","arguments":{"text":"x"},"_meta":{"progressToken":"p"}}}]`
	resp := e.doMCP(t, "POST", "/up", batch, h...)
	evs := sseEvents(resp.Body)
	progress := 0 // progress notifications not yet acknowledged
	for ev := nextEvent(t, evs, "data:"); !strings.Contains(ev, `"id":2`); ev = nextEvent(t, evs, "data:") {
		if strings.Contains(ev, "notifications/progress") {
			progress++
		}
	} // echo answered: its outcome was observed before the client saw it
	waitUntil(t, "the Settler idle", func() bool { return e.settler.Pending() == 0 })
	if c := e.credits(); c.Held != before.Held+priceEcho+priceSlow {
		t.Errorf("held %d after the first call, want the batch's %d still held", c.Held-before.Held, priceEcho+priceSlow)
	}
	for ; fed < 3; fed++ {
		if progress == 0 {
			nextEvent(t, evs, "notifications/progress")
			progress++
		}
		up.ack <- struct{}{}
		progress--
	}
	nextEvent(t, evs, `"id":3`)
	checkCalls(t, e, e.toolRecords(t, 2), []wantCall{{tool: "echo", cost: priceEcho}, {tool: "slow", cost: priceSlow}})
	if c := e.credits(); c.Held != before.Held || c.Balance != before.Balance-priceEcho-priceSlow {
		t.Errorf("after the batch: %+v, want %d held and %d charged", c, before.Held, priceEcho+priceSlow)
	}
}
