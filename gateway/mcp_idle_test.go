package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgate-dev/tollgate/gateway"
)

// TestDenialReachesStreamIdleLongerThanIdleTimeout: a denial the gateway
// injects into a 2024-11-05 stream that was silent longer than the idle
// timeout still reaches the client, and the session goes on (review 6 #5:
// the write met the deadline set at the stream's last upstream byte and
// the stream was cut). No clock is read: an LLM stream that stalls after
// the MCP stream went silent is cut first, so the timeout has passed.
func TestDenialReachesStreamIdleLongerThanIdleTimeout(t *testing.T) {
	e := newMCPEnv(t, mopt{cfg: gateway.Config{IdleTimeout: 100 * time.Millisecond}})
	up := newMCPUpstream(t, func(g func(*http.Request) *sdk.Server) http.Handler { return sdk.NewSSEHandler(g, nil) })
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	stalled := make(chan struct{})
	llm := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-stalled:
		case <-r.Context().Done():
		}
	})
	defer close(stalled)
	e.addUpstream("llm", llm.URL)
	evs, path := e.legacySession(t)
	cut := e.doMCP(t, http.MethodGet, "/llm/v1/stream", "")
	if _, err := io.ReadAll(cut.Body); err == nil {
		t.Fatal("the stalled LLM stream was not cut by the idle timeout")
	}
	if r := e.doMCP(t, "POST", path, call(9, "delete_repo"), "Content-Type", "application/json"); r.StatusCode != http.StatusAccepted {
		t.Fatalf("denied call: %d", r.StatusCode)
	}
	if ev := nextEvent(t, evs, `"id":9`); !strings.Contains(ev, `"error"`) {
		t.Fatalf("denial: %s", ev)
	}
	if r := e.doMCP(t, "POST", path, call(10, "echo"), "Content-Type", "application/json"); r.StatusCode != http.StatusAccepted {
		t.Fatalf("allowed call: %d", r.StatusCode)
	}
	nextEvent(t, evs, `"id":10`)
}
