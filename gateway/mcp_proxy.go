package gateway

import (
	"time"

	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/valyala/fasthttp"
)

// proxyMCP sends an admitted MCP request to rt and passes the answer back
// (sendMCP). A POSTed batch goes less the messages a policy denied
// (st.mc.fwd); a GET stream goes through the route's stream client, whose
// connections have no idle timeout (Config.MCPStreamIdleTimeout). The
// requests of a 2024-11-05 session (sess) were given to its tracker
// (serveMCP), so that their responses, which arrive on the session's GET
// stream, are metered there; they are taken back when the POST fails. It
// returns how long it waited for the response headers.
func (g *Gateway) proxyMCP(ctx *fasthttp.RequestCtx, rt *route, rest []byte, st *state, pol *mcp.Policy, sess *sseSession) (waited time.Duration) {
	req := fasthttp.AcquireRequest()
	st.uri = buildRequest(req, ctx, rt, rest, st.uri)
	if st.mc.split {
		req.SetBodyRaw(st.mc.fwd)
	}
	client := rt.client
	if ctx.IsGet() {
		client = rt.streams
	}
	resp := fasthttp.AcquireResponse()
	sent := time.Now()
	err := client.Do(req, resp)
	waited = time.Since(sent)
	fasthttp.ReleaseRequest(req)
	if err != nil {
		fasthttp.ReleaseResponse(resp)
		g.log.Warn("gateway: upstream request failed", "upstream", rt.name, "err", err)
		g.fail(ctx, upstreamFailure(err), nil)
		st.tk.status = ctx.Response.StatusCode()
		sess.untrack(g, st)
		g.settleCalls(&st.tk, st.mc.tools, endGateway, g.now())
		return waited
	}
	rt.metrics.ObserveUpstream(waited)
	copyResponseHeaders(&ctx.Response.Header, &resp.Header)
	setRateHeaders(&ctx.Response.Header, &st.dec, false)
	if resp.StatusCode() >= 300 {
		st.tk.status = resp.StatusCode()
		sess.untrack(g, st) // not accepted: no response will come on the stream
	}
	g.sendMCP(ctx, resp, rt, sent, st, pol)
	return waited
}
