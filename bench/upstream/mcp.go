package main

import (
	"bufio"
	"bytes"

	"github.com/valyala/fasthttp"
)

// The mock MCP server's answers, cut around the JSON-RPC id they echo. The
// tools/call result is about 130 bytes: a small JSON answer, as from a
// lookup tool.
const (
	mcpIDHead   = `{"jsonrpc":"2.0","id":`
	mcpCallTail = `,"result":{"content":[{"type":"text","text":"Result from the mock MCP server."}],"isError":false}}`
	mcpInitTail = `,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},` +
		`"serverInfo":{"name":"bench-mcp","version":"1.0.0"}}}`
	mcpListTail = `,"result":{"tools":[{"name":"lookup","description":"Look a key up.",` +
		`"inputSchema":{"type":"object","properties":{"key":{"type":"string"}}}}]}}`
	mcpPingTail    = `,"result":{}}`
	mcpUnknownTail = `,"error":{"code":-32601,"message":"method not found"}}`
	// mcpSession is the session id initialize hands out; the mock accepts
	// any id (or none) afterwards, so every call costs it the same.
	mcpSession = "bench-session-0001"
)

// mcpTail returns the answer after the id for a request of method.
func mcpTail(method []byte) string {
	switch string(method) { // no allocation: the compiler compares in place
	case "tools/call":
		return mcpCallTail
	case "initialize":
		return mcpInitTail
	case "tools/list":
		return mcpListTail
	case "ping":
		return mcpPingTail
	}
	return mcpUnknownTail
}

// handleMCP answers one Streamable HTTP request to the mock MCP server:
// POSTed JSON-RPC requests get their answer as JSON, or when sse is set as
// an event stream of one `message` event; notifications and responses get
// 202 with no body; GET gets 405 (the mock offers no server stream) and
// DELETE 204. A body that is not one JSON-RPC request gets 400. JSON
// answers allocate nothing; an event stream copies its one event.
func handleMCP(ctx *fasthttp.RequestCtx, sse bool) {
	switch {
	case ctx.IsGet():
		ctx.SetStatusCode(fasthttp.StatusMethodNotAllowed)
		return
	case ctx.IsDelete():
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return
	}
	body := ctx.Request.Body()
	method, id := jsonField(body, `"method"`), jsonField(body, `"id"`)
	switch {
	case len(method) < 2 || method[0] != '"':
		ctx.SetStatusCode(fasthttp.StatusBadRequest)
		ctx.SetBodyString(`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bench upstream: want one JSON-RPC request"}}`)
		return
	case id == nil:
		ctx.SetStatusCode(fasthttp.StatusAccepted)
		return
	}
	method = method[1 : len(method)-1]
	if string(method) == "initialize" {
		ctx.Response.Header.Set("Mcp-Session-Id", mcpSession)
	}
	tail := mcpTail(method)
	if !sse {
		ctx.SetContentType("application/json")
		ctx.WriteString(mcpIDHead)
		ctx.Write(id)
		ctx.WriteString(tail)
		return
	}
	ctx.SetContentType("text/event-stream")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	// The event is written through a stream writer, chunked and flushed, as
	// an SSE server sends it; the id is copied because the request is
	// reused once the handler returns.
	ev := make([]byte, 0, len("event: message\ndata: ")+len(mcpIDHead)+len(id)+len(tail)+2)
	ev = append(append(append(append(ev, "event: message\ndata: "...), mcpIDHead...), id...), tail...)
	ev = append(ev, "\n\n"...)
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := w.Write(ev); err == nil {
			_ = w.Flush()
		}
	})
}

// jsonField returns the raw value of the first member named key (quoted,
// such as `"id"`) in a flat JSON object, or nil when there is none. It is
// enough for the mock: the id and method sit at the top level, before
// params in every client seen, and neither holds a comma or brace outside
// a string. A string value is returned with its quotes.
func jsonField(body []byte, key string) []byte {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return nil
	}
	v := bytes.TrimLeft(body[i+len(key):], " \t\r\n")
	if len(v) == 0 || v[0] != ':' {
		return nil
	}
	v = bytes.TrimLeft(v[1:], " \t\r\n")
	if len(v) > 0 && v[0] == '"' {
		for j := 1; j < len(v); j++ {
			switch v[j] {
			case '\\':
				j++
			case '"':
				return v[:j+1]
			}
		}
		return nil
	}
	end := bytes.IndexAny(v, ",} \t\r\n")
	if end <= 0 {
		return nil
	}
	return v[:end]
}
