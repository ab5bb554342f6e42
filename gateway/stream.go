package gateway

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// body hands an upstream response body to the client. It is set as the
// client response's body stream; fasthttp reads it after the handler
// returns and closes it when the response is written or abandoned, which
// releases the upstream response and its connection.
//
// Streams (text/event-stream, or no Content-Length) are given to fasthttp
// with an unknown size: fasthttp then writes each Read as one chunk and
// flushes it at once (writeBodyChunked), and ImmediateHeaderFlush sends the
// headers before the first event. This gives the per-event flushing of a
// SetBodyStreamWriter copy loop without its goroutine and pipe per stream.
//
// A metered request's body also feeds its tap (tap.go), which reads the
// usage as the bytes pass; Close settles the request, or, when the client
// left before the end, reads on in the background first (drain.go).
type body struct {
	g      *Gateway
	resp   *fasthttp.Response
	r      io.Reader
	client net.Conn // written to by fasthttp with what Read returns
	rt     *route
	sent   time.Time // when the request went upstream
	stream bool
	seen   bool // a body byte was read
	tap    tap
	mt     mcpTap // an MCP upstream's answer (mcp_body.go)
}

var bodyPool = sync.Pool{New: func() any { return new(body) }}

// Read reads the next piece of the upstream body and records the stream's
// time to first byte. A failed read (an idle timeout, a reset) is logged and
// returned, so fasthttp aborts the client connection instead of ending the
// body cleanly: a cut stream never looks complete. In strip mode it returns
// the tap's output instead of the upstream's bytes (readStripped).
func (b *body) Read(p []byte) (int, error) {
	if b.mt.on {
		return b.readMCP(p)
	}
	if b.tap.strip {
		return b.readStripped(p)
	}
	n, err := b.r.Read(p)
	b.got(n, err)
	if n > 0 {
		b.tap.observe(p[:n])
	}
	return n, err
}

// got does the bookkeeping of one read of n bytes from upstream.
func (b *body) got(n int, err error) {
	if n > 0 && !b.seen {
		b.seen = true
		if b.stream {
			b.rt.metrics.ObserveTTFB(time.Since(b.sent))
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		b.g.log.Warn("gateway: upstream body read failed", "upstream", b.rt.name, "err", err)
	}
	if n > 0 {
		b.renewDeadline()
	}
	b.tap.account(n, err)
}

// renewDeadline gives the client IdleTimeout to take the next piece of
// the body: a client that stops reading would otherwise pin this upstream
// connection for good; fasthttp writes the piece right after Read. Output
// the gateway adds itself (an MCP denial injected into an idle stream)
// renews it too, or its write would meet a deadline long past.
func (b *body) renewDeadline() {
	if b.client != nil && b.g.cfg.IdleTimeout > 0 {
		_ = b.client.SetWriteDeadline(time.Now().Add(b.g.cfg.IdleTimeout))
	}
}

// readStripped fills p with the tap's output: the upstream's bytes less
// what the include_usage injection added, each event passed on as soon as
// it ends. It reads upstream into the tap's scratch buffer until there is
// output or an error; the error is returned once the output before it was.
func (b *body) readStripped(p []byte) (int, error) {
	t := &b.tap
	for {
		if t.off < len(t.out) {
			n := copy(p, t.out[t.off:])
			t.off += n
			return n, nil
		}
		if t.err != nil {
			if errors.Is(t.err, io.EOF) && !t.flushed {
				t.flushed = true
				t.out, t.off = t.sse.Flush(t.outBuf[:0]), 0
				t.keepOut()
				continue
			}
			return 0, t.err
		}
		buf := t.buffer(len(p))
		n, err := b.r.Read(buf)
		b.got(n, err)
		t.err = err
		if n > 0 {
			t.out, t.off = t.sse.Process(t.outBuf[:0], buf[:n]), 0
			t.keepOut()
		}
	}
}

// Close settles the request (or hands the body to a drain when its client
// left before the end), then releases the upstream response (closing its
// body stream and pooling or closing its connection) and recycles b.
func (b *body) Close() error {
	if b.client != nil {
		_ = b.client.SetWriteDeadline(time.Time{}) // the connection may serve more requests
	}
	if b.tap.tk.on && b.tap.end == endNone && b.tap.mode != parseNone && b.g.drain(b) {
		return nil
	}
	b.finish()
	b.release()
	return nil
}

// finish settles the request from what the tap read.
func (b *body) finish() {
	if b.mt.on {
		b.g.finishMCP(b)
		return
	}
	if t := &b.tap; t.tk.on {
		res, cause := t.result()
		b.g.settle(&t.tk, res, cause, b.g.now())
		t.tk.on = false
	}
}

// release frees the upstream response and puts b back in the pool, keeping
// the tap's buffers.
func (b *body) release() {
	fasthttp.ReleaseResponse(b.resp)
	*b = body{tap: b.tap.recycled(), mt: b.mt.recycled()}
	bodyPool.Put(b)
}

// isStream reports whether the response must be flushed as it arrives.
func isStream(h *fasthttp.ResponseHeader) bool {
	return h.ContentLength() < 0 || isSSE(h)
}

// isSSE reports whether the response is a server-sent event stream.
func isSSE(h *fasthttp.ResponseHeader) bool {
	return bytes.HasPrefix(h.ContentType(), []byte("text/event-stream"))
}

// sendBody passes resp's body to the client: streamed as it arrives, or with
// its known length. It takes ownership of resp, and of st's ticket when the
// request is metered.
func (g *Gateway) sendBody(ctx *fasthttp.RequestCtx, resp *fasthttp.Response, rt *route, sent time.Time, st *state) {
	b := bodyPool.Get().(*body)
	*b = body{g: g, resp: resp, client: ctx.Conn(), rt: rt, sent: sent, stream: isStream(&resp.Header), tap: b.tap}
	b.tap.start(&st.tk, &resp.Header)
	st.tk.on = false // the body settles it now
	b.r = resp.BodyStream()
	if b.r == nil { // no body (HEAD, 204, 304), or already buffered
		if whole := resp.Body(); len(whole) > 0 {
			ctx.Response.SetBody(b.tap.whole(whole))
		}
		b.tap.end = endComplete
		b.finish()
		b.release()
		return
	}
	if b.stream {
		ctx.Response.Header.Set("X-Accel-Buffering", "no")
		ctx.Response.ImmediateHeaderFlush = true
		ctx.Response.SetBodyStream(b, -1)
		return
	}
	ctx.Response.SetBodyStream(b, resp.Header.ContentLength())
}
