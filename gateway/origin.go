package gateway

import (
	"fmt"
	"net/url"
	"strings"
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
