package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/valyala/fasthttp"
)

// body is the fixed response, shaped like an OpenAI chat completion with a
// usage block so a gateway that meters LLM traffic finds tokens to count.
var body = []byte(`{"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion",` +
	`"created":1767225600,"model":"bench-model","choices":[{"index":0,"message":` +
	`{"role":"assistant","content":"Hello from the mock upstream."},` +
	`"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,` +
	`"total_tokens":16}}`)

// streamFlag is what marks a request that asks for a stream. Clients write
// it without spaces (the benchmark's and the OpenAI SDKs do).
var streamFlag = []byte(`"stream":true`)

// The paths of the mock MCP server: JSON answers under mcpPath, event
// streams under mcpSSEPath (checked first: it starts with mcpPath).
var (
	mcpPath    = []byte("/mcp")
	mcpSSEPath = []byte("/mcp-sse")
)

// mock answers requests: JSON, or the SSE stream when asked for one.
type mock struct {
	sse *sseBody
}

// handle answers requests to /mcp-sse and /mcp as the mock MCP server
// (handleMCP; event streams and JSON respectively), and any other as the
// mock LLM provider: a request that asks for a stream with the SSE body,
// any other with the JSON body. The JSON answer allocates nothing; the
// stream is written from precomputed groups.
func (m *mock) handle(ctx *fasthttp.RequestCtx) {
	if p := ctx.Path(); bytes.HasPrefix(p, mcpSSEPath) {
		handleMCP(ctx, true)
		return
	} else if bytes.HasPrefix(p, mcpPath) {
		handleMCP(ctx, false)
		return
	}
	if bytes.Contains(ctx.Request.Body(), streamFlag) {
		ctx.SetContentType("text/event-stream")
		ctx.Response.Header.Set("Cache-Control", "no-cache")
		ctx.SetBodyStreamWriter(m.sse.writeTo)
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	events := flag.Int("events", 200, "content events in a streamed answer")
	flush := flag.Int("flush", 10, "events written per write and flush of a streamed answer")
	flag.Parse()
	sse, err := newSSEBody(*events, *flush)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp4", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	m := &mock{sse: sse}
	srv := &fasthttp.Server{Handler: m.handle, Name: "bench-upstream", NoDefaultDate: true}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
}
