package gateway

import (
	"errors"
	"io"

	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/valyala/fasthttp"
)

// maxUsageBody bounds the copy of a JSON (non-streamed) response body kept
// to read its usage at the end: 4 MiB, far above any chat or embeddings
// answer whose usage matters. A larger body passes through whole but its
// usage is not parsed: the request is charged its estimate and
// tollgate_settled_at_estimate_total{reason="body_too_large"} counts it.
const maxUsageBody = 4 << 20

// keepBuffer is the largest buffer a recycled tap keeps for the next
// response, so that one large body does not pin memory in the pool.
const keepBuffer = 256 << 10

// parseMode is how a tap reads usage from a response body.
type parseMode uint8

const (
	parseNone parseMode = iota // no usage to read (not metered, or not an LLM format)
	parseSSE                   // a server-sent event stream, read incrementally
	parseJSON                  // a JSON body, copied (bounded) and parsed at its end
)

// tap reads the usage of one response body as it passes to the client. In
// strip mode (the gateway injected include_usage into a streamed OpenAI
// chat request) it also produces what the client sees: the stream less the
// injected usage chunk and "usage":null members. It is reused across
// responses through the body pool; recycled keeps its buffers.
type tap struct {
	tk      ticket
	mode    parseMode
	strip   bool
	size    int64    // the body's Content-Length; -1 when unknown
	n       int64    // bytes read from upstream
	end     endCause // endNone until the body ended
	err     error    // strip mode: the read error to return after the output before it
	flushed bool     // the SSE parser was flushed at EOF
	over    bool     // the JSON body exceeded maxUsageBody
	res     usage.Result
	off     int    // strip mode: bytes of out already returned
	out     []byte // strip mode: output not yet returned (aliases outBuf or scratch)

	sse     usage.Stream
	json    []byte // the JSON body so far
	outBuf  []byte // strip mode: scratch for the parser's output
	scratch []byte // strip mode and drains: the upstream read buffer
}

// start prepares t for the response with header h to the request of tk.
func (t *tap) start(tk *ticket, h *fasthttp.ResponseHeader) {
	t.tk, t.size = *tk, int64(h.ContentLength())
	if !t.tk.on {
		return
	}
	t.tk.status = h.StatusCode()
	switch {
	case t.tk.format == usage.Unknown:
	case isSSE(h):
		t.mode, t.strip = parseSSE, t.tk.injected
		t.sse.Reset(t.tk.format, t.strip)
	default:
		t.mode = parseJSON
		if t.size > 0 && t.size <= maxUsageBody && int64(cap(t.json)) < t.size {
			t.json = make([]byte, 0, t.size)
		}
	}
}

// account records one read of n bytes that returned err: the body ended
// (complete at EOF or at its Content-Length, cut on another error).
func (t *tap) account(n int, err error) {
	t.n += int64(n)
	if t.end != endNone {
		return
	}
	switch {
	case errors.Is(err, io.EOF) || (t.size >= 0 && t.n >= t.size):
		t.end = endComplete
	case err != nil:
		t.end = endCut
	}
}

// observe reads the usage in p, bytes the client also gets unchanged
// (pass-through: the SSE parser does not copy them).
func (t *tap) observe(p []byte) {
	switch t.mode {
	case parseSSE:
		t.sse.Process(nil, p)
	case parseJSON:
		if t.over {
			return
		}
		if len(t.json)+len(p) > maxUsageBody {
			t.over, t.json = true, t.json[:0]
			return
		}
		t.json = append(t.json, p...)
	}
}

// whole reads the usage of a body fasthttp already buffered and returns
// what the client gets (p itself unless stripping).
func (t *tap) whole(p []byte) []byte {
	if !t.strip {
		t.observe(p)
		t.account(len(p), io.EOF)
		return p
	}
	out := t.sse.Process(t.outBuf[:0], p)
	out = t.sse.Flush(out)
	t.flushed = true
	t.outBuf = out[:0]
	return out
}

// buffer returns the scratch read buffer, n bytes long.
func (t *tap) buffer(n int) []byte {
	if cap(t.scratch) < n {
		t.scratch = make([]byte, n)
	}
	return t.scratch[:n]
}

// keepOut keeps out's backing array as outBuf when the parser copied into
// it (it may instead return a part of the read buffer).
func (t *tap) keepOut() {
	if len(t.out) > 0 && cap(t.scratch) > 0 && &t.out[0] == &t.scratch[:1][0] {
		return
	}
	if cap(t.out) > cap(t.outBuf) {
		t.outBuf = t.out[:0]
	}
}

// result returns the usage read and how the body ended. A body that never
// reached its end while the client was there and was not read on ended
// with its client.
func (t *tap) result() (*usage.Result, endCause) {
	cause := t.end
	if cause == endNone {
		cause = endClientGone
	}
	switch t.mode {
	case parseSSE:
		if !t.flushed {
			t.flushed = true
			t.outBuf = t.sse.Flush(t.outBuf[:0])[:0] // an unterminated last event still counts
		}
		return t.sse.Result(), cause
	case parseJSON:
		if t.over {
			if cause == endComplete {
				cause = endTooLarge
			}
			return nil, cause
		}
		if cause == endComplete {
			usage.ParseJSON(t.tk.format, t.json, &t.res)
			return &t.res, cause
		}
	}
	return nil, cause
}

// recycled returns the tap to keep for the next response: only its
// buffers, those not too large.
func (t *tap) recycled() tap {
	// The last model name stays: ParseJSON reuses it instead of copying a
	// repeated one.
	keep := tap{sse: t.sse, json: t.json[:0], outBuf: t.outBuf[:0], scratch: t.scratch, res: usage.Result{Model: t.res.Model}}
	if cap(keep.json) > keepBuffer {
		keep.json = nil
	}
	if cap(keep.outBuf) > keepBuffer {
		keep.outBuf = nil
	}
	if cap(keep.scratch) > keepBuffer {
		keep.scratch = nil
	}
	return keep
}
