package mcp

import "bytes"

// CheckOrigin reports whether a request with the Origin header origin may
// reach an MCP upstream, as the Streamable HTTP transport requires servers
// to check (against DNS rebinding). An empty origin is allowed: clients
// other than browsers do not send one. Otherwise origin must equal one of
// allowed, an origin in the form scheme://host[:port], ignoring case; "*"
// in allowed allows every origin. An empty allowed list allows no browser
// origin, and "null" (sandboxed pages, file: URLs) only when listed.
// CheckOrigin does not allocate.
func CheckOrigin(origin []byte, allowed []string) bool {
	if len(origin) == 0 {
		return true
	}
	for _, a := range allowed {
		if a == "*" || len(a) == len(origin) && bytes.EqualFold(origin, []byte(a)) {
			return true
		}
	}
	return false
}
