package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/valyala/fasthttp"
)

// callBody is the benchmark's tools/call request.
const callBody = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"lookup","arguments":{"key":"k1"}}}`

// postTo sends body to path on the mock and returns status, content type
// and body.
func postTo(t *testing.T, addr, path, body string) (int, string, []byte) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + addr + path)
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/json")
	req.SetBodyString(body)
	if err := fasthttp.Do(req, resp); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode(), string(resp.Header.ContentType()), append([]byte(nil), resp.Body()...)
}

// TestMCPToolsCallAnswersJSONWithTheID checks /mcp answers a tools/call with
// a JSON-RPC result carrying the request's id, small as the benchmark says,
// because the gateway parses that answer for the call's outcome.
func TestMCPToolsCallAnswersJSONWithTheID(t *testing.T) {
	status, ctype, b := postTo(t, serve(t, 200, 10), "/mcp", callBody)
	if status != 200 || ctype != "application/json" {
		t.Fatalf("status %d, content type %q", status, ctype)
	}
	var got struct {
		ID     int `json:"id"`
		Result struct {
			Content []struct{ Text string }
			IsError bool `json:"isError"`
		}
	}
	if err := json.Unmarshal(b, &got); err != nil || got.ID != 7 || len(got.Result.Content) != 1 || got.Result.IsError {
		t.Fatalf("answer %s (%v), want a successful result for id 7", b, err)
	}
	if len(b) > 160 {
		t.Fatalf("answer is %d bytes, want a small one", len(b))
	}
}

// TestMCPSSEAnswersOneMessageEvent checks /mcp-sse answers the same call as
// an event stream holding exactly one message event with the same JSON, the
// second variant of the benchmark.
func TestMCPSSEAnswersOneMessageEvent(t *testing.T) {
	addr := serve(t, 200, 10)
	_, _, plain := postTo(t, addr, "/mcp", callBody)
	status, ctype, b := postTo(t, addr, "/mcp-sse", callBody)
	if status != 200 || ctype != "text/event-stream" {
		t.Fatalf("status %d, content type %q", status, ctype)
	}
	if want := "event: message\ndata: " + string(plain) + "\n\n"; string(b) != want {
		t.Fatalf("stream %q, want %q", b, want)
	}
}

// TestMCPStringIDsAndNotifications checks a string id is echoed with its
// quotes, a notification gets 202 and no body, and a body that is not a
// JSON-RPC request gets 400 naming the problem.
func TestMCPStringIDsAndNotifications(t *testing.T) {
	addr := serve(t, 200, 10)
	_, _, b := postTo(t, addr, "/mcp", `{"jsonrpc":"2.0","id":"a\"b","method":"ping"}`)
	if string(b) != `{"jsonrpc":"2.0","id":"a\"b","result":{}}` {
		t.Fatalf("ping answer %s", b)
	}
	if status, _, b := postTo(t, addr, "/mcp", `{"jsonrpc":"2.0","method":"notifications/initialized"}`); status != 202 || len(b) != 0 {
		t.Fatalf("notification: %d %q, want 202 and no body", status, b)
	}
	if status, _, b := postTo(t, addr, "/mcp", `hello`); status != 400 || !strings.Contains(string(b), "JSON-RPC") {
		t.Fatalf("garbage: %d %s, want 400 naming JSON-RPC", status, b)
	}
}

// TestMCPMockServesTheGoSDKClient checks both MCP paths are a server the
// official go-sdk client can use (initialize, tools/list, tools/call), so
// the benchmark's gateway sees the traffic of a real session.
func TestMCPMockServesTheGoSDKClient(t *testing.T) {
	addr := serve(t, 200, 10)
	for _, path := range []string{"/mcp", "/mcp-sse"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang detector, not a timing assertion
		tr := &mcp.StreamableClientTransport{Endpoint: "http://" + addr + path, HTTPClient: &http.Client{}}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench-test", Version: "v0"}, nil).Connect(ctx, tr, nil)
		if err != nil {
			cancel()
			t.Fatalf("%s: connect: %v", path, err)
		}
		tools, err := cs.ListTools(ctx, nil)
		if err != nil || len(tools.Tools) != 1 || tools.Tools[0].Name != "lookup" {
			t.Fatalf("%s: tools/list %+v, %v", path, tools, err)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "lookup", Arguments: map[string]any{"key": "k1"}})
		if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "Result from the mock MCP server." {
			t.Fatalf("%s: tools/call %+v, %v", path, res, err)
		}
		cs.Close()
		cancel()
	}
}

// TestMCPJSONAnswerAllocatesNothing checks the benchmark's JSON tools/call
// costs the mock no allocation, so its CPU stays flat across targets.
func TestMCPJSONAnswerAllocatesNothing(t *testing.T) {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/mcp")
	ctx.Request.SetBodyString(callBody)
	m := &mock{}
	if n := testing.AllocsPerRun(100, func() { ctx.Response.Reset(); m.handle(&ctx) }); n != 0 {
		t.Fatalf("%v allocations per tools/call, want 0", n)
	}
}

// FuzzJSONField checks the id and method reader never panics and, when it
// finds a value, returns a slice of the body.
func FuzzJSONField(f *testing.F) {
	for _, s := range []string{callBody, `{"id":"x\\"}`, `{"id":}`, `{"id"`, `{"method":"a","id":null}`, `"id": 5 }`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range []string{`"id"`, `"method"`} {
			v := jsonField([]byte(s), k)
			if v != nil && !strings.Contains(s, string(v)) {
				t.Fatalf("jsonField(%q, %s) = %q, not part of the body", s, k, v)
			}
		}
	})
}
