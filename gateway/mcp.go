package gateway

import (
	"bytes"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/valyala/fasthttp"
)

// JSON-RPC error codes the gateway answers MCP requests with.
const (
	codeParseError     = -32700 // the body is not JSON
	codeInvalidRequest = -32600 // JSON, but not a JSON-RPC message the gateway can read
	codeHeaderMismatch = -32020 // Mcp-Method or Mcp-Name disagrees with the body (the go-sdk's code)
)

// mcpReq is what the gateway learned from an MCP request's body: the
// messages Inspect read (aliasing the body), the tool calls among them and
// the policy verdict on each. It lives in the pooled state; reset keeps its
// buffers.
type mcpReq struct {
	inspected bool
	err       error // Inspect's
	batch     bool
	calls     []mcp.Call
	deny      []*mcp.Policy // per call: the policy (or layer) that denies it, nil when allowed
	denied    int           // calls denied
	tools     []toolCall    // the tools/call requests, in order
	offs      []int         // scratch of toolCalls
	fwd       []byte        // a batch less its denied messages, when split
	split     bool          // fwd replaces the body
	errs      [][]byte      // the error responses to denied requests of a batch
	answer    []byte        // scratch for a response the gateway writes
}

// reset empties m for the next request, keeping its buffers.
func (m *mcpReq) reset() {
	*m = mcpReq{calls: m.calls[:0], deny: m.deny[:0], tools: m.tools[:0], offs: m.offs[:0], fwd: m.fwd[:0],
		answer: m.answer[:0]}
}

// peekMCP inspects the JSON-RPC body of a POST before admission when the
// upstream is, or may be, an MCP one: its cached route says so, or no route
// is cached yet and the body looks like JSON-RPC. The tool calls found are
// then priced into the admission's hold (meterRequest). The route loaded
// after admission decides for good (serveMCP inspects then if this did not).
func (g *Gateway) peekMCP(ctx *fasthttp.RequestCtx, st *state, ws, name []byte, pub *publicSet) {
	if !ctx.IsPost() {
		return
	}
	body := ctx.Request.Body()
	rt := g.routes.peek(ws, name)
	if rt == nil && pub.has(name) {
		rt = g.routes.peek(publicWS, name)
	}
	if rt != nil && !rt.mcp || rt == nil && !looksJSONRPC(body) {
		return
	}
	g.inspect(st, body)
}

// looksJSONRPC reports whether the first bytes of body name the "jsonrpc"
// member every JSON-RPC 2.0 message carries.
func looksJSONRPC(body []byte) bool {
	return bytes.Contains(body[:min(len(body), 512)], []byte(`"jsonrpc"`))
}

// inspect reads body into st.mc.
func (g *Gateway) inspect(st *state, body []byte) {
	m := &st.mc
	m.calls, m.batch, m.err = mcp.Inspect(body, m.calls[:0])
	m.inspected = true
}

// mcpEstimate returns the price of the tools/call requests of an inspected
// body on upstream: what admission holds for them.
func mcpEstimate(st *state, upstream string) int64 {
	m := &st.mc
	if !m.inspected || m.err != nil || st.tk.tbl == nil {
		return 0
	}
	var sum int64
	for i := range m.calls {
		if c := &m.calls[i]; c.Kind == mcp.Request && c.Method == "tools/call" {
			sum += st.tk.tbl.ToolPrice(upstream, c.Tool)
		}
	}
	return sum
}

// serveMCP serves an admitted request to the MCP upstream rt: it checks the
// Origin, reads a POSTed body, ties it to its 2024-11-05 session if any,
// answers the tool calls its policy denies and forwards the rest
// (proxyMCP). Another method with a body is refused. An answer to an
// allowed browser Origin carries the CORS headers (corsAnswer). It returns how long it waited for the
// upstream.
func (g *Gateway) serveMCP(ctx *fasthttp.RequestCtx, rt *route, name, rest []byte, st *state) time.Duration {
	st.tk.format, st.tk.injected = usage.Unknown, false // no LLM usage to read
	if !mcp.CheckOrigin(ctx.Request.Header.Peek("Origin"), g.cfg.MCPAllowedOrigins) {
		g.fail(ctx, failOrigin, nil)
		g.settleNow(st, ctx.Response.StatusCode(), nil, endGateway)
		return 0
	}
	defer corsAnswer(ctx)
	pol, err := g.policyFor(st, name)
	if err != nil {
		g.log.Warn("gateway: tool policies unavailable", "err", err)
		g.fail(ctx, storeFailure(err), nil)
		g.settleNow(st, ctx.Response.StatusCode(), nil, endGateway)
		return 0
	}
	var sess *sseSession
	switch {
	case ctx.IsPost():
		if !g.readMCP(ctx, st, pol) {
			return 0
		}
		if sess, err = g.sessions.lookup(st.req.Workspace, name, ctx.Request.Header.RequestURI()); err == nil && sess != nil {
			err = sess.track(st)
		}
		if err != nil {
			g.refuseMCP(ctx, st, err)
			return 0
		}
		if g.answerDenied(ctx, st, sess) {
			return 0
		}
	case len(ctx.Request.Body()) > 0:
		// Only a POST's body is read; another method must not carry one
		// past the policy to the upstream.
		g.answerRPC(ctx, st, fasthttp.StatusBadRequest, nil, codeInvalidRequest,
			"only a POST may carry a body to an MCP upstream; this "+string(ctx.Method())+" has one")
		return 0
	}
	return g.proxyMCP(ctx, rt, rest, st, pol, sess)
}

// refuseMCP answers a readable POST the gateway will not forward: one
// naming a 2024-11-05 session it does not hold (404) or ambiguously (400),
// or reusing the id of a request of that session still awaiting its
// response (400). The answer is one JSON-RPC error, for the request's id
// when it is a single message; its tool calls settle free.
func (g *Gateway) refuseMCP(ctx *fasthttp.RequestCtx, st *state, err error) {
	status := fasthttp.StatusBadRequest
	if errors.Is(err, errSessionUnknown) {
		status = fasthttp.StatusNotFound
	}
	var id []byte
	if m := &st.mc; len(m.calls) == 1 {
		id = m.calls[0].ID
	}
	st.mc.answer = mcp.ErrorResponse(st.mc.answer[:0], id, codeInvalidRequest, err.Error())
	setJSON(ctx, status, st.mc.answer)
	g.met.Deny("mcp_bad_request")
	g.settleAnswered(st, status)
}

// readMCP reads the POSTed body of an MCP request and applies pol to its
// tool calls. A body the gateway cannot read, or whose Mcp-Method or
// Mcp-Name header disagrees with it, is answered 400 with a JSON-RPC error
// (as MCP servers answer it) and reported false.
func (g *Gateway) readMCP(ctx *fasthttp.RequestCtx, st *state, pol *mcp.Policy) bool {
	m := &st.mc
	if !m.inspected {
		g.inspect(st, ctx.Request.Body())
	}
	if m.err != nil {
		code := codeInvalidRequest
		if errors.Is(m.err, mcp.ErrInvalidJSON) {
			code = codeParseError
		}
		g.answerRPC(ctx, st, fasthttp.StatusBadRequest, nil, code, m.err.Error())
		return false
	}
	h := &ctx.Request.Header
	if err := mcp.HeaderMismatch(h.Peek("Mcp-Method"), h.Peek("Mcp-Name"), m.calls); err != nil {
		var id []byte
		if len(m.calls) == 1 {
			id = m.calls[0].ID
		}
		g.answerRPC(ctx, st, fasthttp.StatusBadRequest, id, codeHeaderMismatch, err.Error())
		return false
	}
	g.toolCalls(st, pol)
	return true
}

// answerRPC answers the request with status and one JSON-RPC error
// response, and settles it as answered by the gateway.
func (g *Gateway) answerRPC(ctx *fasthttp.RequestCtx, st *state, status int, id []byte, code int, msg string) {
	st.mc.answer = mcp.ErrorResponse(st.mc.answer[:0], id, code, msg)
	setJSON(ctx, status, st.mc.answer)
	g.met.Deny("mcp_bad_request")
	g.settleNow(st, status, nil, endGateway)
}

// setJSON replaces the response with status and the JSON body b.
func setJSON(ctx *fasthttp.RequestCtx, status int, b []byte) {
	ctx.Response.Reset()
	ctx.Response.Header.SetNoDefaultContentType(true)
	ctx.SetStatusCode(status)
	if len(b) > 0 {
		ctx.Response.Header.SetContentType("application/json")
		ctx.Response.SetBody(b)
	}
}

// answerDenied answers, when a policy denied tool calls and nothing is
// left to forward, with the JSON-RPC errors naming the policy: status 200
// inside a Streamable HTTP session (an HTTP error there would end it), 202
// when only notifications were denied. In a 2024-11-05 session (sess) the
// errors go on the session's GET stream, where this transport carries every
// response, and the POST is answered 202. What is still to forward is left
// in st.mc.fwd (a batch less its denied messages). It reports whether it
// answered.
func (g *Gateway) answerDenied(ctx *fasthttp.RequestCtx, st *state, sess *sseSession) bool {
	m := &st.mc
	if m.denied == 0 {
		return false
	}
	g.met.Deny("tool_denied")
	if m.batch {
		m.fwd, m.errs = mcp.SplitBatch(m.fwd[:0], ctx.Request.Body(), m.calls,
			func(i int) (string, bool) { return m.deny[i].Name(), m.deny[i] != nil })
		if sess != nil {
			sess.inject(m.errs...)
			m.errs = nil
		}
		if m.fwd != nil {
			m.split = true
			return false
		}
		if len(m.errs) > 0 {
			m.answer = mcp.MergeBatchResponse(m.answer[:0], nil, m.errs)
		}
	} else {
		m.answer = g.denials(m.answer[:0], st)
		if sess != nil && len(m.answer) > 0 {
			sess.inject(m.answer)
			m.answer = m.answer[:0]
		}
	}
	status := fasthttp.StatusOK
	if len(m.answer) == 0 {
		status = fasthttp.StatusAccepted
	}
	setJSON(ctx, status, m.answer)
	g.settleAnswered(st, status)
	return true
}

// denials appends the error response to the denied request of a request
// that is not a batch (nothing for a notification).
func (g *Gateway) denials(dst []byte, st *state) []byte {
	m := &st.mc
	n := 0
	for i := range m.calls {
		if m.deny[i] != nil && m.calls[i].Kind == mcp.Request {
			n++
		}
	}
	array := n > 1 || m.batch && n > 0
	if array {
		dst = append(dst, '[')
	}
	k := 0
	for i := range m.calls {
		if c := &m.calls[i]; m.deny[i] != nil && c.Kind == mcp.Request {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = mcp.DenyCall(dst, c.ID, c.Tool, m.deny[i].Name())
			k++
		}
	}
	if array {
		dst = append(dst, ']')
	}
	return dst
}
