package gateway

import (
	"time"

	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/valyala/fasthttp"
)

// proxy sends the admitted request to the LLM upstream rt and passes the
// answer back; a request whose model cannot be metered may be refused first
// (unmetered). rest is the part of the request URI after the upstream name.
// It returns how long it waited for the upstream's response headers.
func (g *Gateway) proxy(ctx *fasthttp.RequestCtx, rt *route, rest []byte, st *state) (waited time.Duration) {
	if g.unmetered(ctx, st) {
		return 0
	}
	req := fasthttp.AcquireRequest()
	st.uri = buildRequest(req, ctx, rt, rest, st.uri)
	if st.tk.injected {
		req.SetBodyRaw(st.body) // the body asking for usage in the stream (metering.go)
	}
	if st.tk.on && st.tk.format != usage.Unknown {
		// The tap reads usage from the bytes as they pass: a compressed
		// answer would be charged its estimate instead. The gateway never
		// compresses, so the client gets identity too, which HTTP allows.
		req.Header.Set(fasthttp.HeaderAcceptEncoding, "identity")
	}
	resp := fasthttp.AcquireResponse()
	sent := time.Now()
	err := rt.client.Do(req, resp)
	waited = time.Since(sent)
	fasthttp.ReleaseRequest(req)
	if err != nil {
		fasthttp.ReleaseResponse(resp)
		g.log.Warn("gateway: upstream request failed", "upstream", rt.name, "err", err)
		g.fail(ctx, upstreamFailure(err), nil)
		g.settleNow(st, ctx.Response.StatusCode(), nil, endGateway)
		return waited
	}
	rt.metrics.ObserveUpstream(waited)
	copyResponseHeaders(&ctx.Response.Header, &resp.Header)
	setRateHeaders(&ctx.Response.Header, &st.dec, false)
	g.sendBody(ctx, resp, rt, sent, st)
	return waited
}

// buildRequest fills req from the client's request: same method, headers
// and body, the URI rebased onto rt's base URL, hop-by-hop and client
// credential headers removed, then rt's credential added. The upstream's Host
// comes from the URI. uri is a reusable buffer, returned grown.
func buildRequest(req *fasthttp.Request, ctx *fasthttp.RequestCtx, rt *route, rest, uri []byte) []byte {
	ctx.Request.Header.CopyTo(&req.Header)
	stripHop(&req.Header)
	stripProxyHeaders(&req.Header)
	for _, k := range clientCredentialHeaders {
		req.Header.Del(k)
	}
	req.Header.Del("Expect") // the body is already read
	req.Header.Del("Host")
	req.Header.ResetConnectionClose()
	if rt.authKey != "" {
		req.Header.SetBytesV(rt.authKey, rt.authValue)
	}
	uri = append(uri[:0], rt.prefix...)
	if len(rest) == 0 || rest[0] == '?' {
		uri = append(uri, '/')
	}
	uri = append(uri, rest...)
	req.SetRequestURIBytes(uri)
	req.SetBodyRaw(ctx.Request.Body())
	return uri
}

// copyResponseHeaders copies the upstream's status and headers to the
// client's response, less hop-by-hop headers. The client connection's own
// keep-alive is not the upstream's business.
func copyResponseHeaders(dst, src *fasthttp.ResponseHeader) {
	src.CopyTo(dst)
	dst.SetNoDefaultContentType(true)
	stripHop(dst)
	dst.ResetConnectionClose()
}
