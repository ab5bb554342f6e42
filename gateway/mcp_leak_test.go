package gateway_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// sseEvents sends each event read from r (its lines, without the blank
// line) on the returned channel, closed at the end of the stream.
func sseEvents(r io.Reader) <-chan string {
	out := make(chan string, 100)
	go func() {
		defer close(out)
		br := bufio.NewReader(r)
		var sb strings.Builder
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if l == "\n" || l == "\r\n" {
				out <- sb.String()
				sb.Reset()
				continue
			}
			sb.WriteString(l)
		}
	}()
	return out
}

// nextEvent returns the next event of evs with data containing sub,
// failing the test when the stream ends first or none comes within ten
// seconds (a deadline on the assertion, not a wait).
func nextEvent(t testing.TB, evs <-chan string, sub string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatalf("the stream ended before an event with %q", sub)
			}
			if strings.Contains(ev, sub) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event with %q", sub)
		}
	}
}

// openSSE opens a GET stream through the gateway at path and returns its
// events.
func (e *mcpEnv) openSSE(t testing.TB, path string, hdr ...string) <-chan string {
	t.Helper()
	resp := e.doMCP(t, http.MethodGet, path, "", append([]string{"Accept", "text/event-stream"}, hdr...)...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, readAll(t, resp.Body))
	}
	return sseEvents(resp.Body)
}

// legacySession opens a 2024-11-05 session through the gateway on a go-sdk
// SSE upstream and initializes it; it returns the stream's events and the
// endpoint path the client POSTs to.
func (e *mcpEnv) legacySession(t testing.TB) (<-chan string, string) {
	t.Helper()
	evs := e.openSSE(t, "/up")
	ep := nextEvent(t, evs, "data: ")
	_, path, _ := strings.Cut(ep, "data: ")
	path = strings.TrimSpace(path)
	post := func(b string) {
		if r := e.doMCP(t, "POST", path, b, "Content-Type", "application/json"); r.StatusCode != http.StatusAccepted {
			t.Fatalf("POST %s: %d %s", b, r.StatusCode, readAll(t, r.Body))
		}
	}
	post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`)
	nextEvent(t, evs, `"id":1`)
	post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return evs, path
}

// TestReplayedStreamShowsOnlyAllowedTools: a 2025-11-25 client resuming a
// stream with Last-Event-ID gets the replayed tools/list result filtered,
// though the GET carries no tools/list request of its own (review 6 #1:
// the replay showed every tool).
func TestReplayedStreamShowsOnlyAllowedTools(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newMCPUpstream(t, func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{EventStore: sdk.NewMemoryEventStore(nil)})
	})
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	r := e.doMCP(t, "POST", "/up", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`,
		"Content-Type", "application/json")
	sid := r.Header.Get("Mcp-Session-Id")
	readAll(t, r.Body)
	h := []string{"Content-Type", "application/json", "Mcp-Session-Id", sid, "MCP-Protocol-Version", "2025-11-25"}
	readAll(t, e.doMCP(t, "POST", "/up", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, h...).Body)
	list := readAll(t, e.doMCP(t, "POST", "/up", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, h...).Body)
	if strings.Contains(list, "delete_repo") {
		t.Fatalf("the POST's own list was not filtered: %s", list)
	}
	_, after, _ := strings.Cut(list, "id: ")
	first, _, _ := strings.Cut(after, "\n") // the priming event's id: the list is replayed after it
	evs := e.openSSE(t, "/up", "Mcp-Session-Id", sid, "MCP-Protocol-Version", "2025-11-25", "Last-Event-ID", first)
	ev := nextEvent(t, evs, `"result"`)
	if strings.Contains(ev, "delete_repo") || !strings.Contains(ev, `"echo"`) {
		t.Errorf("replayed list: %s", ev)
	}
}

// TestLegacySessionFoundWhateverTheQueryAdds: a 2024-11-05 POST to the
// endpoint with parameters added still belongs to its session, found by
// the session id in the query: a denied call's error goes on the session's
// stream, as the transport requires (review 6 #2: the session was found
// only by the exact URI, so the POST escaped it).
func TestLegacySessionFoundWhateverTheQueryAdds(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newMCPUpstream(t, func(g func(*http.Request) *sdk.Server) http.Handler { return sdk.NewSSEHandler(g, nil) })
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	evs, path := e.legacySession(t)
	r := e.doMCP(t, "POST", path+"&x=1", call(9, "delete_repo"), "Content-Type", "application/json")
	if b := readAll(t, r.Body); r.StatusCode != http.StatusAccepted {
		t.Fatalf("denied call: %d %s, want 202 and the error on the stream", r.StatusCode, b)
	}
	if ev := nextEvent(t, evs, `"id":9`); !strings.Contains(ev, "delete_repo") || !strings.Contains(ev, `"error"`) {
		t.Errorf("denial on the stream: %s", ev)
	}
	readAll(t, e.doMCP(t, "POST", path+"&x=2", `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`, "Content-Type", "application/json").Body)
	if ev := nextEvent(t, evs, `"id":3`); strings.Contains(ev, "delete_repo") {
		t.Errorf("list: %s", ev)
	}
}

// TestLegacyPostNamingUnknownSessionIsRefused: a POST whose query names a
// session the gateway does not hold, or names one twice, is refused with a
// JSON-RPC error before it reaches the upstream, which could answer it on
// a stream the gateway does not watch as that session's (review 6 #2).
func TestLegacyPostNamingUnknownSessionIsRefused(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newMCPUpstream(t, func(g func(*http.Request) *sdk.Server) http.Handler { return sdk.NewSSEHandler(g, nil) })
	e.addMCP(up.URL)
	_, path := e.legacySession(t)
	_, sid, _ := strings.Cut(path, "sessionid=")
	before, _ := up.seen()
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/up/?sessionid=bogus", http.StatusNotFound},
		{path + "&sessionid=" + sid, http.StatusBadRequest},
		{path + "&SessionID=other", http.StatusBadRequest},
		{path + ";sessionid=other", http.StatusBadRequest},
		{"/up/?session%49d=bogus", http.StatusNotFound},
	} {
		r := e.doMCP(t, "POST", tc.path, `{"jsonrpc":"2.0","id":4,"method":"ping"}`, "Content-Type", "application/json")
		b := readAll(t, r.Body)
		if r.StatusCode != tc.status || !strings.Contains(b, `"id":4`) || !strings.Contains(b, "-32600") || !strings.Contains(b, "session") {
			t.Errorf("%s: %d %s, want %d and a JSON-RPC error", tc.path, r.StatusCode, b, tc.status)
		}
	}
	if after, _ := up.seen(); len(after) != len(before) {
		t.Errorf("refused POSTs reached the upstream: %v", after[len(before):])
	}
}

// TestBatchWithRepeatedIDsIsRefused: a batch whose requests share an id is
// answered 400 with a JSON-RPC error and not forwarded: the responses
// could not be told apart, and a tools/list result could be taken for a
// ping's (review 6 #3).
func TestBatchWithRepeatedIDsIsRefused(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := rpcUpstream(t, false)
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	for _, b := range []string{
		`[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":5,"method":"tools/list"}]`,
		`[` + call(1, "echo") + `,{"jsonrpc":"2.0","id":1,"method":"tools/list"}]`,
		`[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":"5","method":"tools/list"}]`,
	} {
		r := e.doMCP(t, "POST", "/up", b, "Content-Type", "application/json")
		out := readAll(t, r.Body)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(out, "-32600") || !strings.Contains(out, "duplicate request id") {
			t.Errorf("%s: %d %s", b, r.StatusCode, out)
		}
	}
	if n := up.n.Load(); n != 0 {
		t.Errorf("%d refused batches reached the upstream", n)
	}
}

// TestLegacyRequestReusingPendingIDIsRefused: in a 2024-11-05 session a
// request whose id is that of a call still running is refused, so that the
// call's response cannot be taken for it, nor its response for the call's;
// once the call answered, the id may be used again (review 6 #3).
func TestLegacyRequestReusingPendingIDIsRefused(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newMCPUpstream(t, func(g func(*http.Request) *sdk.Server) http.Handler { return sdk.NewSSEHandler(g, nil) })
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	fed := 0 // acks the slow call got; a failing test feeds the rest so that the upstream can close
	t.Cleanup(func() {
		go func(n int) {
			for range n {
				up.ack <- struct{}{}
			}
		}(3 - fed)
	})
	evs, path := e.legacySession(t)
	slow := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{"text":"x"},"_meta":{"progressToken":"p"}}}`
	if r := e.doMCP(t, "POST", path, slow, "Content-Type", "application/json"); r.StatusCode != http.StatusAccepted {
		t.Fatalf("slow call: %d", r.StatusCode)
	}
	nextEvent(t, evs, "notifications/progress") // the call runs, waiting for an ack
	r := e.doMCP(t, "POST", path, `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`, "Content-Type", "application/json")
	if b := readAll(t, r.Body); r.StatusCode != http.StatusBadRequest || !strings.Contains(b, `"id":7`) || !strings.Contains(b, "duplicate request id") {
		t.Fatalf("reused id: %d %s", r.StatusCode, b)
	}
	for ; fed < 3; fed++ {
		up.ack <- struct{}{}
	}
	if ev := nextEvent(t, evs, `"id":7`); !strings.Contains(ev, "done") {
		t.Fatalf("the call's response: %s", ev)
	}
	if r := e.doMCP(t, "POST", path, `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`, "Content-Type", "application/json"); r.StatusCode != http.StatusAccepted {
		t.Fatalf("id reused after its response: %d", r.StatusCode)
	}
	if ev := nextEvent(t, evs, `"id":7`); strings.Contains(ev, "delete_repo") || !strings.Contains(ev, `"echo"`) {
		t.Errorf("list: %s", ev)
	}
}

// TestNonPostWithBodyIsRefused: on an MCP route only a POST's body is
// read, so any other method carrying a body is refused (400) rather than
// forwarded uninspected, a denied tools/call inside it included (review 6
// #4).
func TestNonPostWithBodyIsRefused(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := rpcUpstream(t, false)
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	for _, m := range []string{"PUT", "PATCH", "DELETE", "GET"} {
		r := e.doMCP(t, m, "/up", call(7, "delete_repo"), "Content-Type", "application/json")
		if b := readAll(t, r.Body); r.StatusCode != http.StatusBadRequest || !strings.Contains(b, "-32600") || !strings.Contains(b, "only a POST") {
			t.Errorf("%s: %d %s", m, r.StatusCode, b)
		}
	}
	if n := up.n.Load(); n != 0 {
		t.Errorf("%d requests with a body reached the upstream", n)
	}
}
