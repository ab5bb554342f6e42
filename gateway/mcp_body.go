package gateway

import (
	"errors"
	"io"
	"time"

	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/valyala/fasthttp"
)

// mcpTap is the MCP side of a response body, the MCP counterpart of tap:
// an mcp.Stream that relays the bytes (filtering tools/list results,
// rewriting a 2024-11-05 endpoint event) and observes each tools/call's
// outcome, which is settled at once (mcp_settle.go). It is reused across
// responses through the body pool; recycled keeps its buffers.
type mcpTap struct {
	on      bool
	s       mcp.Stream
	calls   []toolCall // the request's tool calls, settled one by one
	out     []byte     // output not yet returned (aliases outBuf)
	off     int        // bytes of out already returned
	outBuf  []byte
	whole   []byte // a JSON answer read whole (readWhole)
	err     error  // the read error to return after the output before it
	flushed bool
	get     bool        // a GET stream: no request of its own, observations are its session's
	reg     *openStream // the stream's entry in the revocation registry
	sess    *sseSession // a GET stream's 2024-11-05 session, once seen
	find    endpointFinder
	pump    *pump // reads upstream on its own goroutine (a 2024-11-05 session's stream)
}

// recycled returns the tap to keep for the next response: only buffers
// that are not too large.
func (m *mcpTap) recycled() mcpTap {
	keep := mcpTap{s: m.s, calls: m.calls[:0], outBuf: m.outBuf[:0], whole: m.whole[:0]}
	if cap(keep.outBuf) > keepBuffer {
		keep.outBuf = nil
	}
	if cap(keep.whole) > keepBuffer {
		keep.whole = nil
	}
	return keep
}

// readMCP fills p with the Stream's output: the upstream's bytes, read
// straight into p, returned as they are when the Stream passes them (the
// common case, no copy), else from the Stream's output buffer. Outcomes
// are settled as they are observed. A stream closed by a revocation
// returns why; an endpoint the gateway must not pass ends the stream.
func (b *body) readMCP(p []byte) (int, error) {
	m := &b.mt
	for {
		if m.off < len(m.out) {
			n := copy(p, m.out[m.off:])
			m.off += n
			return n, nil
		}
		if m.err != nil {
			if errors.Is(m.err, io.EOF) && !m.flushed {
				m.flushed = true
				m.out, m.off = m.s.Flush(m.outBuf[:0]), 0
				m.keepOut()
				b.renewDeadline()
				continue
			}
			return 0, m.err
		}
		if m.sess != nil && m.s.AtBoundary() {
			if inj := m.sess.injected(); len(inj) > 0 {
				m.out, m.off = mcp.ErrorEvent(m.outBuf[:0], inj), 0
				m.keepOut()
				b.renewDeadline() // the stream may have been idle past the last one
				continue
			}
		}
		n, err := b.readUp(p)
		if err == errWake {
			continue
		}
		if err != nil && m.reg != nil {
			if cause := m.reg.cause(); cause != nil {
				err = cause
			}
		}
		b.got(n, err)
		m.err = err
		if n == 0 {
			continue
		}
		out := m.s.Process(m.outBuf[:0], p[:n])
		b.g.observeMCP(b, out)
		if e := m.s.Err(); errors.Is(e, mcp.ErrEndpoint) && m.err == nil {
			b.g.log.Warn("gateway: MCP endpoint event refused; stream ended", "upstream", b.rt.name, "err", e)
			m.err = e
		}
		if len(out) > 0 && &out[0] == &p[0] {
			return len(out), nil // p itself, or the part of it not held back
		}
		m.out, m.off = out, 0
		m.keepOut()
	}
}

// keepOut keeps out's backing array as outBuf.
func (m *mcpTap) keepOut() {
	if cap(m.out) > cap(m.outBuf) {
		m.outBuf = m.out[:0]
	}
}

// observeMCP settles the tool calls whose outcomes the last Process or Body
// call observed; on a GET stream it also looks for a 2024-11-05 endpoint
// in out, the bytes about to be sent.
func (g *Gateway) observeMCP(b *body, out []byte) {
	m := &b.mt
	if m.find.looking {
		if uri, done := m.find.scan(out); done && uri != nil {
			m.sess = g.sessions.open(m.find.ws, b.rt.name, uri, m.find.tracker)
			b.startPump()
		}
	}
	obs := m.s.Observed()
	if len(obs) == 0 {
		return
	}
	now := g.now()
	for _, o := range obs {
		if m.get { // the refs are those of the GET stream's session
			m.sess.settle(g, o, now)
			continue
		}
		for i := range m.calls {
			if c := &m.calls[i]; c.ref == o.Ref {
				g.settleCall(&b.tap.tk, c, o.Outcome, endComplete, now)
				break
			}
		}
	}
}

// finishMCP settles what is left of an MCP response that ended, and takes
// its stream out of the registries.
func (g *Gateway) finishMCP(b *body) {
	m := &b.mt
	cause := b.tap.end
	if cause == endNone {
		cause = endClientGone
	}
	if m.reg != nil {
		g.streams.remove(m.reg)
		m.reg = nil
	}
	if m.pump != nil {
		m.pump.close()
		m.pump = nil
	}
	now := g.now()
	if m.find.tracker != nil {
		g.sessions.close(g, m.sess, cause, now)
		m.sess, m.find = nil, endpointFinder{}
	}
	g.settleCalls(&b.tap.tk, m.calls, cause, now)
}

// sendMCP passes an MCP upstream's answer to the client. It takes
// ownership of resp and of st's ticket. An SSE answer is relayed as it
// arrives through an mcp.Stream and registered for revocation (streamMCP);
// a JSON answer that must be rewritten (a tools/list to filter, a batch to
// merge with the gateway's denials) or read (tool-call outcomes) is read
// whole first (wholeMCP), which delays nothing a client could use: it
// parses only whole JSON. Anything else passes as it comes.
func (g *Gateway) sendMCP(ctx *fasthttp.RequestCtx, resp *fasthttp.Response, rt *route, sent time.Time, st *state, pol *mcp.Policy) {
	b := bodyPool.Get().(*body)
	*b = body{g: g, resp: resp, client: ctx.Conn(), rt: rt, sent: sent, stream: isStream(&resp.Header), tap: b.tap, mt: b.mt}
	b.tap.start(&st.tk, &resp.Header)
	st.tk.on = false // the body settles it now
	m := &b.mt
	m.on, m.get = true, ctx.IsGet()
	m.calls = append(m.calls[:0], st.mc.tools...)
	b.r = resp.BodyStream()
	sse := isSSE(&resp.Header)
	p := mcp.Pending{Calls: st.mc.calls, Policy: pol}
	if m.get && sse {
		m.find.start(st.req.Workspace, rt, st.uri, &p)
	}
	m.s.Reset(p)
	switch {
	case sse && b.r != nil:
		g.streamMCP(ctx, b, st)
	case b.r == nil || st.mc.errs != nil || watching(st, pol):
		g.wholeMCP(ctx, b, st, pol, sse)
	default:
		ctx.Response.SetBodyStream(b, b.resp.Header.ContentLength())
	}
}

// watching reports whether the answer to st must be read: for the outcomes
// of its tool calls, or, under a policy, to filter any tools/list result it
// holds, whatever request it answers.
func watching(st *state, pol *mcp.Policy) bool {
	for i := range st.mc.tools {
		if !st.mc.tools[i].settled {
			return true
		}
	}
	return pol != nil
}

// streamMCP relays an SSE answer or GET stream: the gateway's error events
// for denied batch messages first, then the upstream's bytes through the
// Stream, flushed per read. The stream is registered so that a revocation
// of its token closes it.
func (g *Gateway) streamMCP(ctx *fasthttp.RequestCtx, b *body, st *state) {
	m := &b.mt
	if len(st.mc.errs) > 0 && b.resp.StatusCode() < 300 {
		m.out, m.off = mcp.ErrorEvent(m.outBuf[:0], st.mc.errs), 0
		m.keepOut()
	}
	m.reg = g.addStream(st, b)
	ctx.Response.Header.Set("X-Accel-Buffering", "no")
	ctx.Response.ImmediateHeaderFlush = true
	ctx.Response.SetBodyStream(b, -1)
}

// wholeMCP answers with a body read whole: tools/list results filtered,
// outcomes observed, and the errors of denied batch messages merged in (an
// empty 202 answer becomes a 200 with them). A body cut by the upstream is
// answered 502, as a truncated JSON body must not look complete.
func (g *Gateway) wholeMCP(ctx *fasthttp.RequestCtx, b *body, st *state, pol *mcp.Policy, sse bool) {
	m := &b.mt
	data, over := b.readWhole()
	switch {
	case over:
		g.overMCP(ctx, b, st, pol, data)
		return
	case b.tap.end == endCut:
		g.fail(ctx, failUpstreamDown, nil)
		b.finish()
		b.release()
		return
	}
	var out []byte
	if sse {
		out = m.s.Flush(m.s.Process(m.outBuf[:0], data))
	} else {
		out = m.s.Body(m.outBuf[:0], data)
	}
	g.observeMCP(b, out)
	if errs := st.mc.errs; len(errs) > 0 && b.resp.StatusCode() < 300 {
		if sse {
			out = append(mcp.ErrorEvent(nil, errs), out...)
		} else {
			out = mcp.MergeBatchResponse(nil, out, errs)
			ctx.Response.Header.SetContentType("application/json")
			ctx.Response.SetStatusCode(fasthttp.StatusOK) // a 202 had no body to carry them
		}
	}
	ctx.Response.SetBody(out)
	b.finish()
	b.release()
}

// readWhole reads the upstream body into the tap's buffer, up to
// mcp.MaxEvent bytes; over reports that it stopped there with more to come.
func (b *body) readWhole() (data []byte, over bool) {
	if b.r == nil { // already buffered, or none
		data = b.resp.Body()
		b.tap.account(len(data), io.EOF)
		return data, false
	}
	m := &b.mt
	buf := m.whole[:0]
	if n := b.resp.Header.ContentLength(); n > cap(buf) && n <= mcp.MaxEvent {
		buf = make([]byte, 0, n)
	}
	for b.tap.end == endNone {
		if len(buf) > mcp.MaxEvent {
			over = true
			break
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := b.r.Read(buf[len(buf):cap(buf)])
		if err != nil && !errors.Is(err, io.EOF) {
			b.g.log.Warn("gateway: upstream body read failed", "upstream", b.rt.name, "err", err)
		}
		b.tap.account(n, err) // not got: the client is not being written to yet
		buf = buf[:len(buf)+n]
	}
	m.whole = buf
	return buf, over
}

// overMCP handles an answer too large to rewrite (wholeMCP): data, its
// first bytes, then the rest of the upstream body pass as they come, with
// nothing watched (its tool calls settle as if no response was seen); but
// when it may hold a tools/list result to filter, a 502 replaces it rather
// than pass it unfiltered.
func (g *Gateway) overMCP(ctx *fasthttp.RequestCtx, b *body, st *state, pol *mcp.Policy, data []byte) {
	if pol != nil && asksList(st) {
		g.log.Warn("gateway: MCP answer too large to filter its tools/list", "upstream", b.rt.name)
		st.mc.answer = mcp.ErrorResponse(st.mc.answer[:0], nil, mcp.CodeInternal,
			"the upstream's answer is too large for the gateway to filter its tool list")
		setJSON(ctx, fasthttp.StatusBadGateway, st.mc.answer)
		b.tap.tk.status = fasthttp.StatusBadGateway
		b.finish()
		b.release()
		return
	}
	m := &b.mt
	m.s.Reset(mcp.Pending{})
	m.out, m.off = data, 0
	ctx.Response.SetBodyStream(b, b.resp.Header.ContentLength())
}

// asksList reports whether st's request holds a tools/list.
func asksList(st *state) bool {
	for i := range st.mc.calls {
		if st.mc.calls[i].Method == "tools/list" {
			return true
		}
	}
	return false
}
