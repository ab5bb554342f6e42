package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgate-dev/tollgate/store"
)

// toolRecords waits until the audit trail holds n tool calls and the
// Settler is idle, and returns them sorted by tool then cost.
func (e *mcpEnv) toolRecords(t testing.TB, n int) []store.RequestRecord {
	t.Helper()
	var calls []store.RequestRecord
	waitUntil(t, fmt.Sprintf("%d tool calls settled", n), func() bool {
		recs, _, err := e.s.Requests(e.ctx, e.ws, store.RequestQuery{Limit: 1000})
		must(t, err)
		calls = slices.DeleteFunc(recs, func(r store.RequestRecord) bool { return !r.ToolCall })
		return len(calls) >= n && e.settler.Pending() == 0
	})
	if len(calls) != n {
		t.Fatalf("%d tool calls in the audit trail, want %d: %+v", len(calls), n, calls)
	}
	slices.SortFunc(calls, func(a, b store.RequestRecord) int {
		if c := strings.Compare(a.Tool, b.Tool); c != 0 {
			return c
		}
		return int(a.Cost - b.Cost)
	})
	return calls
}

// wantCall is one expected tool-call usage event.
type wantCall struct {
	tool  string
	cost  int64
	error bool
}

// checkCalls compares the tool-call records with want (sorted by tool).
func checkCalls(t testing.TB, e *mcpEnv, got []store.RequestRecord, want []wantCall) {
	t.Helper()
	for i, w := range want {
		r := got[i]
		if r.Tool != w.tool || r.Cost != w.cost || r.Error != w.error || r.TokenID != e.tokenID ||
			r.MemberID != e.member.ID || r.Upstream != "up" || r.RequestID == "" {
			t.Errorf("call %d = %+v, want %+v", i, r, w)
		}
	}
}

// TestEveryToolCallIsOneUsageEvent: through every transport revision, N
// tool calls make exactly N usage events, each with its tool, outcome and
// the price table's charge: a result and a tool's own error (isError) are
// charged, a JSON-RPC error and a denied call are free. The balance moves
// by exactly their sum and nothing stays held. On 2024-11-05 the outcomes
// are read from the session's GET stream, where its responses travel.
func TestEveryToolCallIsOneUsageEvent(t *testing.T) {
	for _, rv := range revisions {
		backends := []string{"embedded"}
		if rv.name == "2024-11-05" || rv.name == "2025-06-18" {
			backends = append(backends, "redis")
		}
		for _, backend := range backends {
			t.Run(rv.name+"/"+backend, func(t *testing.T) {
				e := newMCPEnv(t, mopt{backend: backend})
				up := newMCPUpstream(t, rv.handler)
				e.addMCP(up.URL)
				e.policy(t, "", nil, []string{"delete_*"})
				before := e.credits()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				progress := &progressLog{ack: up.ack}
				cs := connect(t, ctx, e.url, e.secret, rv, progress)
				for _, tool := range []string{"echo", "echo", "fail", "nope", "delete_repo", "slow"} {
					p := &sdk.CallToolParams{Name: tool, Arguments: map[string]any{"text": "x"}}
					if tool == "slow" {
						p.SetProgressToken("p")
					}
					_, _ = cs.CallTool(ctx, p)
				}
				must(t, cs.Close())
				got := e.toolRecords(t, 6)
				checkCalls(t, e, got, []wantCall{
					{"delete_repo", 0, true}, {"echo", priceEcho, false}, {"echo", priceEcho, false},
					{"fail", priceDefault, true}, {"nope", 0, true}, {"slow", priceSlow, false},
				})
				var total int64
				for _, r := range got {
					total += r.Cost
				}
				waitUntil(t, "every hold released", func() bool { return e.credits().Held == 0 })
				if after := e.credits(); before.Balance-after.Balance != total {
					t.Fatalf("balance moved by %d, the tool calls cost %d", before.Balance-after.Balance, total)
				}
			})
		}
	}
}

// TestBatchToolCallsSettleOneByOne: each tools/call of a batch is its own
// usage event; the first settles under the admission's request id (which
// releases the hold of the whole batch), the others under ids derived from
// it, so a retried settlement of any of them is idempotent.
func TestBatchToolCallsSettleOneByOne(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := rpcUpstream(t, false)
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	resp := e.doMCP(t, http.MethodPost, "/up", "["+call(1, "echo")+","+call(2, "delete_repo")+","+call(3, "other")+"]")
	if got := decodeResponses(t, resp); len(got) != 3 {
		t.Fatalf("batch answer %+v", got)
	}
	got := e.toolRecords(t, 3)
	checkCalls(t, e, got, []wantCall{{"delete_repo", 0, true}, {"echo", priceEcho, false}, {"other", priceDefault, false}})
	ids := map[string]bool{}
	for _, r := range got {
		ids[r.RequestID] = true
	}
	base := got[1].RequestID // echo, the first call
	if len(ids) != 3 || !ids[base+"/1"] || !ids[base+"/2"] {
		t.Fatalf("request ids %v, want %s, %s/1 and %s/2", ids, base, base, base)
	}
	waitUntil(t, "the batch's hold released", func() bool { return e.credits().Held == 0 })
}

// TestToolCallCutMidStreamIsCharged: a tool call whose SSE answer is cut
// before its result was seen may still have run upstream, so it is charged
// its price, like an LLM response without usage.
func TestToolCallCutMidStreamIsCharged(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		_, _ = fmt.Fprint(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the upstream breaks off
	})
	e.addMCP(up.URL)
	resp := e.doMCP(t, http.MethodPost, "/up", call(1, "echo"))
	_, _ = readAllErr(resp)
	got := e.toolRecords(t, 1)
	checkCalls(t, e, got, []wantCall{{"echo", priceEcho, true}})
}

// readAllErr reads a body that may end in an error.
func readAllErr(resp *http.Response) (string, error) {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String(), err
		}
	}
}
