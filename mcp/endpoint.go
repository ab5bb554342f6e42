package mcp

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
)

// Endpoint says how the endpoint event of a 2024-11-05 HTTP+SSE stream is
// rewritten so that the client POSTs back through the gateway. The zero
// Endpoint rewrites nothing.
type Endpoint struct {
	// Upstream is the upstream's base URL, as configured
	// ("http://10.0.0.5:8080/api").
	Upstream string
	// Stream is the upstream URL the GET stream was opened at, against
	// which a relative endpoint URI resolves as the client would resolve
	// it; "" means Upstream.
	Stream string
	// Prefix is the gateway path the upstream is served under
	// ("/mcp-github"): the gateway routes Prefix + "/rest" to Upstream +
	// "/rest".
	Prefix string
}

// Rewrite appends to dst the gateway path for the endpoint URI uri sent by
// the upstream: uri, resolved against Stream, must lie on the upstream's
// own origin (scheme, host and port) and under its base path; the result is
// Prefix followed by the rest of the path, and the query when there is one
// ("/messages?sessionId=abc" from base "http://h:8080" and prefix "/up"
// gives "/up/messages?sessionId=abc"). The fragment is dropped. Anything
// else is refused with an error wrapping ErrEndpoint, since forwarding it
// would send the client, and its gateway token, elsewhere; the error never
// quotes the query, which holds the session id. Rewrite allocates (it
// parses URLs); it runs once per stream.
func (e *Endpoint) Rewrite(dst, uri []byte) ([]byte, error) {
	base, err := url.Parse(e.Upstream)
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return dst, fmt.Errorf("%w: the upstream URL is not an absolute http(s) URL", ErrEndpoint)
	}
	if !strings.HasPrefix(e.Prefix, "/") {
		return dst, fmt.Errorf("%w: gateway prefix %q does not start with /", ErrEndpoint, e.Prefix)
	}
	from := base
	if e.Stream != "" {
		if from, err = url.Parse(e.Stream); err != nil {
			return dst, fmt.Errorf("%w: the stream URL is not a valid URL", ErrEndpoint)
		}
	}
	ref, err := url.Parse(string(bytes.TrimSpace(uri)))
	if err != nil {
		return dst, fmt.Errorf("%w: the endpoint URI is not a valid URL", ErrEndpoint)
	}
	abs := from.ResolveReference(ref)
	if !sameOrigin(abs, base) {
		return dst, fmt.Errorf("%w: the endpoint is on %s://%s, not on the upstream's %s://%s", ErrEndpoint, abs.Scheme, abs.Host, base.Scheme, base.Host)
	}
	rest, ok := under(abs.EscapedPath(), base.EscapedPath())
	if !ok {
		return dst, fmt.Errorf("%w: the endpoint path %q is outside the upstream's base path %q", ErrEndpoint, abs.Path, base.Path)
	}
	dst = append(dst, strings.TrimSuffix(e.Prefix, "/")...)
	dst = append(dst, rest...)
	if abs.RawQuery != "" || abs.ForceQuery {
		dst = append(dst, '?')
		dst = append(dst, abs.RawQuery...)
	}
	return dst, nil
}

// under returns the rest of path p after the base path, "" or starting
// with "/", when p lies under it and has no dot segment (also encoded,
// which the upstream might decode and resolve).
func under(p, base string) (string, bool) {
	base = strings.TrimSuffix(base, "/")
	if p != base && !strings.HasPrefix(p, base+"/") {
		return "", false
	}
	rest := p[len(base):]
	dec, err := url.PathUnescape(rest)
	if err != nil {
		return "", false
	}
	for seg := range strings.SplitSeq(dec, "/") {
		if seg == "." || seg == ".." {
			return "", false
		}
	}
	return rest, true
}

// sameOrigin reports whether a and b have the same scheme, host and port,
// a missing port being the scheme's default.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
