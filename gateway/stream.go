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
type body struct {
	g      *Gateway
	resp   *fasthttp.Response
	r      io.Reader
	client net.Conn // written to by fasthttp with what Read returns
	rt     *route
	sent   time.Time // when the request went upstream
	stream bool
	seen   bool // a body byte was read
}

var bodyPool = sync.Pool{New: func() any { return new(body) }}

// Read reads the next piece of the upstream body and records the stream's
// time to first byte. A failed read (an idle timeout, a reset) is logged and
// returned, so fasthttp aborts the client connection instead of ending the
// body cleanly: a cut stream never looks complete.
func (b *body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 && !b.seen {
		b.seen = true
		if b.stream {
			b.rt.metrics.ObserveTTFB(time.Since(b.sent))
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		b.g.log.Warn("gateway: upstream body read failed", "upstream", b.rt.name, "err", err)
	}
	if n > 0 && b.client != nil && b.g.cfg.IdleTimeout > 0 {
		// A client that stops reading would otherwise pin this upstream
		// connection for good; fasthttp writes the piece right after Read.
		_ = b.client.SetWriteDeadline(time.Now().Add(b.g.cfg.IdleTimeout))
	}
	return n, err
}

// Close releases the upstream response (closing its body stream and pooling
// or closing its connection) and recycles b.
func (b *body) Close() error {
	if b.client != nil {
		_ = b.client.SetWriteDeadline(time.Time{}) // the connection may serve more requests
	}
	fasthttp.ReleaseResponse(b.resp)
	*b = body{}
	bodyPool.Put(b)
	return nil
}

// isStream reports whether the response must be flushed as it arrives.
func isStream(h *fasthttp.ResponseHeader) bool {
	return h.ContentLength() < 0 || bytes.HasPrefix(h.ContentType(), []byte("text/event-stream"))
}

// sendBody passes resp's body to the client: streamed as it arrives, or with
// its known length. It takes ownership of resp.
func (g *Gateway) sendBody(ctx *fasthttp.RequestCtx, resp *fasthttp.Response, rt *route, sent time.Time) {
	r := resp.BodyStream()
	if r == nil { // no body (HEAD, 204, 304), or already buffered
		if b := resp.Body(); len(b) > 0 {
			ctx.Response.SetBody(b)
		}
		fasthttp.ReleaseResponse(resp)
		return
	}
	b := bodyPool.Get().(*body)
	*b = body{g: g, resp: resp, r: r, client: ctx.Conn(), rt: rt, sent: sent, stream: isStream(&resp.Header)}
	if b.stream {
		ctx.Response.Header.Set("X-Accel-Buffering", "no")
		ctx.Response.ImmediateHeaderFlush = true
		ctx.Response.SetBodyStream(b, -1)
		return
	}
	ctx.Response.SetBodyStream(b, resp.Header.ContentLength())
}
