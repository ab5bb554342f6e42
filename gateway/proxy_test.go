package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/valyala/fasthttp"
)

// TestStreamEventsArriveOneByOne checks an SSE stream is relayed event by
// event: the client reads event 1 while the upstream is still blocked before
// event 2, so nothing is buffered.
func TestStreamEventsArriveOneByOne(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	release := make(chan struct{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: a\ndata: 1\n\n")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "event: b\ndata: 2\n\n")
	})
	t.Cleanup(func() { closeOnce(release) })
	e.addUpstream("llm", up.URL, nil)

	resp := e.do("POST", "/llm/v1/chat/completions", `{"stream":true}`)
	if resp.StatusCode != 200 || resp.Header.Get("X-Accel-Buffering") != "no" ||
		resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	br := bufio.NewReader(resp.Body)
	if got := readEvent(t, br); got != "event: a\ndata: 1\n\n" {
		t.Fatalf("first event = %q", got)
	}
	close(release)
	if got := readEvent(t, br); got != "event: b\ndata: 2\n\n" {
		t.Fatalf("second event = %q", got)
	}
	if rest := readAll(t, br); rest != "" {
		t.Fatalf("trailing bytes %q", rest)
	}
	req, body := up.request()
	if req.Header.Get("Authorization") != "Bearer "+upstreamSecret || body != `{"stream":true}` {
		t.Fatalf("upstream got Authorization %q body %q", req.Header.Get("Authorization"), body)
	}
	assertNoSecret(t, resp, upstreamSecret)
}

// readEvent reads one SSE event (up to a blank line).
func readEvent(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var sb strings.Builder
	for {
		line, err := br.ReadString('\n')
		sb.WriteString(line)
		if err != nil {
			t.Fatalf("reading event: %v (got %q)", err, sb.String())
		}
		if line == "\n" {
			return sb.String()
		}
	}
}

func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

func assertNoSecret(t *testing.T, resp *http.Response, secret string) {
	t.Helper()
	for k, vs := range resp.Header {
		for _, v := range vs {
			if strings.Contains(v, secret) {
				t.Fatalf("client response header %s carries the upstream secret", k)
			}
		}
	}
}

// TestRequestHeadersRewritten checks what the upstream receives: its own
// Host and credential, the path rebased on its base URL with the query, no
// client token in any header, no hop-by-hop headers, other headers intact.
func TestRequestHeadersRewritten(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL+"/base/", nil)
	resp := e.do("POST", "/llm/v1/chat?x=1&y=%2F", "hello",
		"X-Api-Key", e.secret, "Api-Key", e.secret,
		"Connection", "X-Hop, keep-alive", "X-Hop", "1", "Keep-Alive", "timeout=5",
		"Te", "trailers", "Proxy-Authorization", "Basic x", "Proxy-Foo", "1",
		"X-Custom", "kept", "Mcp-Session-Id", "abc")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp.Body))
	}
	req, body := up.request()
	host := strings.TrimPrefix(up.URL, "http://")
	if req.Host != host {
		t.Errorf("Host = %q, want the upstream's %q", req.Host, host)
	}
	if req.RequestURI != "/base/v1/chat?x=1&y=%2F" {
		t.Errorf("RequestURI = %q", req.RequestURI)
	}
	if body != "hello" {
		t.Errorf("body = %q", body)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+upstreamSecret {
		t.Errorf("Authorization = %q", got)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			if strings.Contains(v, e.secret) {
				t.Errorf("client token reached the upstream in %s", k)
			}
		}
	}
	for _, h := range []string{"X-Hop", "Keep-Alive", "Te", "Proxy-Authorization", "Proxy-Foo", "X-Api-Key", "Api-Key"} {
		if v := req.Header.Get(h); v != "" {
			t.Errorf("hop-by-hop or credential header %s = %q reached the upstream", h, v)
		}
	}
	if req.Header.Get("X-Custom") != "kept" || req.Header.Get("Mcp-Session-Id") != "abc" {
		t.Errorf("end-to-end headers lost: %v", req.Header)
	}
}

// TestCustomAuthHeader checks an upstream with its own credential header and
// no scheme gets exactly the credential there, and no Authorization at all.
func TestCustomAuthHeader(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("anthropic", up.URL, func(u *store.Upstream) { u.AuthHeader = "x-api-key" })
	resp := e.doWith("POST", "/anthropic/v1/messages", "{}", "X-Api-Key", e.secret)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	req, _ := up.request()
	if req.Header.Get("X-Api-Key") != upstreamSecret || req.Header.Get("Authorization") != "" {
		t.Fatalf("x-api-key %q, authorization %q", req.Header.Get("X-Api-Key"), req.Header.Get("Authorization"))
	}
	if req.URL.Path != "/v1/messages" {
		t.Fatalf("path %q", req.URL.Path)
	}
}

// TestResponsePassedThrough checks status, body and end-to-end headers come
// back unchanged, while the upstream's hop-by-hop headers do not.
func TestResponsePassedThrough(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetStatusCode(404)
		ctx.Response.Header.Set("Mcp-Session-Id", "s1")
		ctx.Response.Header.Set("Connection", "X-Up-Hop")
		ctx.Response.Header.Set("X-Up-Hop", "1")
		ctx.Response.Header.Set("Keep-Alive", "timeout=5")
		ctx.Response.Header.Set("Content-Type", "application/json")
		ctx.SetBodyString(`{"jsonrpc":"2.0"}`)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	e.addUpstream("mcp", "http://"+ln.Addr().String(), nil)
	resp := e.do("GET", "/mcp", "")
	if resp.StatusCode != 404 || resp.Header.Get("Mcp-Session-Id") != "s1" {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	if b := readAll(t, resp.Body); b != `{"jsonrpc":"2.0"}` {
		t.Fatalf("body %q", b)
	}
	if resp.Header.Get("X-Up-Hop") != "" || resp.Header.Get("Keep-Alive") != "" {
		t.Fatalf("hop-by-hop headers passed back: %v", resp.Header)
	}
}

// TestBodyLimit checks a body past MaxBodyBytes gets 413 with our JSON error
// and never reaches the upstream.
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, gateway.Config{MaxBodyBytes: 1024}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL, nil)
	if resp := e.do("POST", "/llm/x", strings.Repeat("a", 1024)); resp.StatusCode != 200 {
		t.Fatalf("body at the limit: status %d", resp.StatusCode)
	}
	resp := e.do("POST", "/llm/x", strings.Repeat("a", 1025))
	assertError(t, resp, 413, "request_too_large")
	if up.n.Load() != 1 {
		t.Fatalf("upstream saw %d requests, want 1", up.n.Load())
	}
}

// TestUpstreamDown checks a refused connection gives 502 with our JSON error.
func TestUpstreamDown(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	must(t, ln.Close())
	e.addUpstream("llm", "http://"+addr, nil)
	assertError(t, e.do("POST", "/llm/x", "{}"), 502, "upstream_unreachable")
	assertError(t, e.do("GET", "/llm/x", ""), 502, "upstream_unreachable")
}

// TestFirstByteTimeout checks an upstream that never answers gives 504.
func TestFirstByteTimeout(t *testing.T) {
	e := newEnv(t, gateway.Config{FirstByteTimeout: 50 * time.Millisecond}, store.Limits{})
	block := make(chan struct{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { <-block })
	t.Cleanup(func() { close(block) })
	e.addUpstream("llm", up.URL, nil)
	assertError(t, e.do("POST", "/llm/x", "{}"), 504, "upstream_timeout")
	assertError(t, e.do("GET", "/llm/x", ""), 504, "upstream_timeout")
	if n := up.n.Load(); n != 2 {
		t.Fatalf("upstream asked %d times, want 2 (no retry after a timeout)", n)
	}
}

// TestLongStreamNotCut checks a stream whose gaps stay under IdleTimeout runs
// to its end even though it lasts several idle timeouts: there is no total
// deadline. The upstream's ticker sets the gaps; the test only counts events.
func TestLongStreamNotCut(t *testing.T) {
	const idle, events = time.Second, 40 // 4 s: a loaded machine once took 300 ms to the first byte
	e := newEnv(t, gateway.Config{IdleTimeout: idle, FirstByteTimeout: idle}, store.Limits{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(idle / 10) // wide margin for a loaded CI machine
		defer tick.Stop()
		for i := range events {
			<-tick.C
			_, _ = io.WriteString(w, "data: "+strconv.Itoa(i)+"\n\n")
			w.(http.Flusher).Flush()
		}
	})
	e.addUpstream("llm", up.URL, nil)
	start := time.Now()
	resp := e.do("POST", "/llm/stream", "{}")
	br := bufio.NewReader(resp.Body)
	for i := range events {
		if got, want := readEvent(t, br), "data: "+strconv.Itoa(i)+"\n\n"; got != want {
			t.Fatalf("event %d = %q, want %q", i, got, want)
		}
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("stream end: %q, %v", rest, err)
	}
	if el := time.Since(start); el < 3*idle {
		t.Fatalf("stream lasted %s, the test needs more than 3 idle timeouts", el)
	}
}

// TestIdleStreamCut checks a stream that stops sending is cut after
// IdleTimeout, and the client sees a broken body, not a clean end.
func TestIdleStreamCut(t *testing.T) {
	e := newEnv(t, gateway.Config{IdleTimeout: 50 * time.Millisecond}, store.Limits{})
	block := make(chan struct{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		<-block
	})
	t.Cleanup(func() { close(block) })
	e.addUpstream("llm", up.URL, nil)
	resp := e.do("POST", "/llm/stream", "{}")
	br := bufio.NewReader(resp.Body)
	if got := readEvent(t, br); got != "data: 1\n\n" {
		t.Fatalf("event = %q", got)
	}
	if _, err := io.ReadAll(br); err == nil {
		t.Fatal("an idle stream ended cleanly; want a broken body")
	}
}

// assertError checks the status and the OpenAI-shaped error body's code.
func assertError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	body := readAll(t, resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if resp.Header.Get("Content-Type") != "application/json" ||
		!strings.HasPrefix(body, `{"error":{"message":"`) || !strings.Contains(body, `"code":"`+code+`"`) {
		t.Fatalf("error body %q (content type %q), want code %s", body, resp.Header.Get("Content-Type"), code)
	}
}
