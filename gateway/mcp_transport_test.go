package gateway_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/gateway"
)

// rawSSE is a GET stream with every SSE field a server may send: a comment,
// an empty priming event with an id, retry, a named event, CRLF and bare CR
// line ends, a multi-line data event.
const rawSSE = ": keep-alive comment\n\nid: 0\ndata:\n\nretry: 3000\r\nevent: message\r\nid: 1\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\r\n\r\n" +
	"event: custom\rdata: a\rdata: b\r\r"

// TestMCPTransportPassesHeadersStatusesAndBytes: MCP headers go both ways,
// the GET stream's bytes arrive exactly, DELETE and its status pass, a 202
// and a 404 reach the client as they are, and the upstream gets its own
// credential, never the client's token, on every method.
func TestMCPTransportPassesHeadersStatusesAndBytes(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Mcp-Session-Id", "sess-1")
		w.Header().Set("Mcp-Extra", "from-upstream")
		switch {
		case r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, rawSSE)
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case r.Header.Get("Mcp-Session-Id") == "gone":
			http.Error(w, "session not found", http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	})
	e.addMCP(up.URL + "/base")
	hdr := []string{"Mcp-Session-Id", "sess-1", "MCP-Protocol-Version", "2025-11-25", "Last-Event-ID", "7",
		"Mcp-Method", "notifications/initialized", "Mcp-Custom", "c"}
	resp := e.doMCP(t, http.MethodGet, "/up/mcp?x=1", "", hdr...)
	if got := readAll(t, resp.Body); got != rawSSE || resp.StatusCode != 200 {
		t.Fatalf("GET stream = %d %q, want the upstream's bytes exactly", resp.StatusCode, got)
	}
	if resp.Header.Get("Mcp-Session-Id") != "sess-1" || resp.Header.Get("Mcp-Extra") != "from-upstream" {
		t.Fatalf("response headers %v lack the upstream's Mcp-* headers", resp.Header)
	}
	req, _ := up.request()
	for i := 0; i < len(hdr); i += 2 {
		if req.Header.Get(hdr[i]) != hdr[i+1] {
			t.Errorf("upstream got %s = %q, want %q", hdr[i], req.Header.Get(hdr[i]), hdr[i+1])
		}
	}
	if req.URL.String() != "/base/mcp?x=1" || req.Header.Get("Authorization") != "Bearer "+upstreamSecret {
		t.Fatalf("upstream got %s with Authorization %q", req.URL, req.Header.Get("Authorization"))
	}
	note := `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	if r := e.doMCP(t, http.MethodPost, "/up/mcp", note, hdr...); r.StatusCode != http.StatusAccepted {
		t.Fatalf("notification: %d, want the upstream's 202", r.StatusCode)
	}
	if _, body := up.request(); body != note {
		t.Fatalf("upstream got body %q, want %q byte for byte", body, note)
	}
	r := e.doMCP(t, http.MethodPost, "/up/mcp", note, "Mcp-Session-Id", "gone")
	if r.StatusCode != http.StatusNotFound || !strings.Contains(readAll(t, r.Body), "session not found") {
		t.Fatalf("expired session: %d, want the upstream's 404", r.StatusCode)
	}
	if r := e.doMCP(t, http.MethodDelete, "/up/mcp", "", "Mcp-Session-Id", "sess-1"); r.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %d, want the upstream's 204", r.StatusCode)
	}
	if req, _ := up.request(); req.Method != http.MethodDelete || req.Header.Get("Authorization") != "Bearer "+upstreamSecret {
		t.Fatalf("DELETE reached the upstream as %s with Authorization %q", req.Method, req.Header.Get("Authorization"))
	}
}

// doMCP sends a request through the gateway with the member's token and
// the extra headers hdr (name, value pairs).
func (e *mcpEnv) doMCP(t testing.TB, method, path, body string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	req.Header.Set("Accept", "application/json, text/event-stream")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	must(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// TestMCPOriginIsChecked: a browser Origin that is not allowed gets 403
// before anything reaches the upstream (DNS rebinding); no Origin, and an
// allowed one, pass.
func TestMCPOriginIsChecked(t *testing.T) {
	e := newMCPEnv(t, mopt{cfg: gateway.Config{MCPAllowedOrigins: []string{"https://app.example.com"}}})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	e.addMCP(up.URL)
	note := `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	if r := e.doMCP(t, http.MethodPost, "/up", note, "Origin", "https://evil.example.com"); r.StatusCode != http.StatusForbidden ||
		!strings.Contains(readAll(t, r.Body), "origin_forbidden") {
		t.Fatalf("disallowed Origin: %d, want 403 origin_forbidden", r.StatusCode)
	}
	if up.n.Load() != 0 {
		t.Fatal("a request with a disallowed Origin reached the upstream")
	}
	for _, origin := range []string{"", "https://APP.example.com"} {
		if r := e.doMCP(t, http.MethodPost, "/up", note, "Origin", origin); r.StatusCode != http.StatusAccepted {
			t.Fatalf("Origin %q: %d, want 202", origin, r.StatusCode)
		}
	}
}

// TestMCPBadOriginConfigIsRefused: a configured origin that is not one
// (a path, no scheme) is a configuration error naming it.
func TestMCPBadOriginConfigIsRefused(t *testing.T) {
	for _, o := range []string{"app.example.com", "https://app.example.com/", "https://a.example.com/x", "ftp://a.example.com"} {
		err := gateway.Config{MCPAllowedOrigins: []string{o}}.Validate()
		if err == nil || !strings.Contains(err.Error(), o) {
			t.Errorf("origin %q: err = %v, want one naming it", o, err)
		}
	}
}

// TestMCPGetStreamOutlivesIdleTimeout: an MCP GET stream may be silent far
// longer than the idle timeout that cuts a stalled LLM stream. The proof
// needs no clock: an LLM stream that stalls after the GET stream went
// silent is cut first (so the idle timeout has passed), then the GET
// stream's next event still arrives.
func TestMCPGetStreamOutlivesIdleTimeout(t *testing.T) {
	e := newMCPEnv(t, mopt{cfg: gateway.Config{IdleTimeout: 100 * time.Millisecond}})
	release := make(chan struct{})
	mcpUp := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "data: second\n\n")
	})
	e.addMCP(mcpUp.URL)
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

	resp := e.doMCP(t, http.MethodGet, "/up", "")
	rd := bufio.NewReader(resp.Body)
	if line, err := rd.ReadString('\n'); err != nil || line != "data: first\n" {
		t.Fatalf("first event: %q, %v", line, err)
	}
	cut := e.doMCP(t, http.MethodGet, "/llm/v1/stream", "")
	if _, err := io.ReadAll(cut.Body); err == nil {
		t.Fatal("the stalled LLM stream was not cut by the idle timeout")
	}
	close(release)
	_, _ = rd.ReadString('\n')
	if line, err := rd.ReadString('\n'); err != nil || line != "data: second\n" {
		t.Fatalf("after a silence longer than the idle timeout: %q, %v; want the next event", line, err)
	}
}

// TestMCPPreflightAnsweredForAllowedOrigins: a browser's CORS preflight,
// which carries no credential, is answered 204 with the Access-Control
// headers an MCP client needs when its Origin is allowed and 403
// otherwise, without reaching the upstream; the MCP answer itself then
// lets that origin read it and its Mcp-Session-Id (review 6 #10).
func TestMCPPreflightAnsweredForAllowedOrigins(t *testing.T) {
	e := newMCPEnv(t, mopt{cfg: gateway.Config{MCPAllowedOrigins: []string{"https://app.example.com"}}})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Mcp-Session-Id", "s1")
		w.WriteHeader(http.StatusAccepted)
	})
	e.addMCP(up.URL)
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, e.url+"/up/mcp", nil)
		must(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, mcp-session-id")
		resp, err := client.Do(req)
		must(t, err)
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	r := preflight("https://app.example.com")
	h := r.Header
	if r.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Mcp-Session-Id") ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(h.Get("Access-Control-Expose-Headers"), "Mcp-Session-Id") {
		t.Fatalf("allowed origin: %d %v", r.StatusCode, h)
	}
	if r := preflight("https://evil.example.com"); r.StatusCode != http.StatusForbidden || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("disallowed origin: %d %v", r.StatusCode, r.Header)
	}
	if up.n.Load() != 0 {
		t.Fatal("a preflight reached the upstream")
	}
	r = e.doMCP(t, http.MethodPost, "/up/mcp", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, "Origin", "https://app.example.com")
	if r.StatusCode != http.StatusAccepted || r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Mcp-Session-Id") {
		t.Fatalf("answer to an allowed origin: %d %v", r.StatusCode, r.Header)
	}
}
