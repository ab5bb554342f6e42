package gateway

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/valyala/fasthttp"
)

// validOrigin checks one entry of Config.MCPAllowedOrigins: "*", "null", or
// an origin as browsers send it, scheme://host[:port] with nothing after.
func validOrigin(o string) error {
	if o == "*" || o == "null" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(o, "/") {
		return fmt.Errorf("gateway: MCPAllowedOrigins (proxy.mcp_allowed_origins): %q is not an origin (scheme://host[:port], \"*\" or \"null\")", o)
	}
	return nil
}

// CORS for browser MCP clients whose Origin is allowed
// (Config.MCPAllowedOrigins). A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) carries no credential, so it is answered
// before authentication, without knowing the route: 204 with the
// Access-Control-Allow-* headers an MCP client needs when the Origin is
// allowed, 403 otherwise. An MCP answer to an allowed Origin then carries
// Access-Control-Allow-Origin and exposes the Mcp-* headers the client
// must read. Nothing is sent for LLM routes beyond the preflight, whose
// answer alone lets a browser read nothing.
const (
	corsAllowMethods  = "GET, POST, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, Accept, Last-Event-ID, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, X-Api-Key, Api-Key"
	corsExposeHeaders = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate"
	corsMaxAge        = "600"
)

// preflight answers a CORS preflight request and reports whether ctx was
// one.
func (g *Gateway) preflight(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	origin := h.Peek("Origin")
	if !ctx.IsOptions() || len(origin) == 0 || len(h.Peek("Access-Control-Request-Method")) == 0 {
		return false
	}
	if !mcp.CheckOrigin(origin, g.cfg.MCPAllowedOrigins) {
		g.fail(ctx, failOrigin, nil)
		return true
	}
	r := &ctx.Response.Header
	r.SetBytesV("Access-Control-Allow-Origin", origin)
	r.Set("Access-Control-Allow-Methods", corsAllowMethods)
	r.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	r.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	r.Set("Access-Control-Max-Age", corsMaxAge)
	r.Add("Vary", "Origin")
	ctx.SetStatusCode(fasthttp.StatusNoContent)
	return true
}

// corsAnswer marks an MCP answer to a request from an allowed browser
// Origin (serveMCP checked it) as readable by that origin.
func corsAnswer(ctx *fasthttp.RequestCtx) {
	origin := ctx.Request.Header.Peek("Origin")
	if len(origin) == 0 {
		return
	}
	r := &ctx.Response.Header
	r.SetBytesV("Access-Control-Allow-Origin", origin)
	r.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	r.Add("Vary", "Origin")
}
