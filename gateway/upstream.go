package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/valyala/fasthttp"
)

// route is the parsed, immutable form of one upstream at one revision: where
// to send requests, how to authenticate them, and the pooled client.
type route struct {
	rev       int64
	name      string
	baseURL   string
	prefix    []byte // scheme://host[:port]/base-path, without a trailing slash
	authKey   string // header carrying the upstream credential; "" sends none
	authValue []byte // scheme and credential; never logged
	client    *fasthttp.HostClient
	metrics   *metrics.Upstream
	// mcp marks an MCP upstream (store.KindMCP): its requests take the MCP
	// path (mcp.go). streams is then the client of its GET streams, whose
	// connections have MCPStreamIdleTimeout instead of IdleTimeout.
	mcp     bool
	streams *fasthttp.HostClient
}

// routeCache holds the route of each (workspace, upstream) pair seen, keyed
// by "workspace/name". Entries are replaced, never mutated.
type routeCache struct {
	mu sync.RWMutex
	m  map[string]*route
}

// route returns the route for name in workspace ws at revision rev or newer.
// In the steady state it is a map lookup that does not allocate; only when
// the decision carries a newer revision does it read the store.
func (g *Gateway) route(ctx context.Context, ws, name []byte, rev int64) (*route, error) {
	var kb [96]byte
	key := append(append(append(kb[:0], ws...), '/'), name...)
	g.routes.mu.RLock()
	old := g.routes.m[string(key)]
	g.routes.mu.RUnlock()
	if old != nil && old.rev >= rev {
		return old, nil
	}
	start := time.Now()
	u, urev, err := g.ups.GetUpstream(ctx, string(ws), string(name))
	g.met.ObserveStore("get_upstream", time.Since(start), ignoreNotFound(err))
	if err != nil {
		return nil, err
	}
	r, err := g.newRoute(u, urev, old)
	if err != nil {
		return nil, err
	}
	g.routes.mu.Lock()
	if cur := g.routes.m[string(key)]; cur == nil || cur.rev < r.rev {
		g.routes.m[string(key)] = r
	}
	g.routes.mu.Unlock()
	return r, nil
}

// peek returns the cached route of (ws, name), whatever its revision, or
// nil. It does not allocate.
func (c *routeCache) peek(ws, name []byte) *route {
	var kb [96]byte
	key := append(append(append(kb[:0], ws...), '/'), name...)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[string(key)]
}

// has reports whether a route of (ws, name) is cached.
func (c *routeCache) has(ws, name []byte) bool {
	var kb [96]byte
	key := append(append(append(kb[:0], ws...), '/'), name...)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[string(key)] != nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// newRoute parses u. It keeps old's client (and its pooled connections) when
// the base URL did not change.
func (g *Gateway) newRoute(u *store.Upstream, rev int64, old *route) (*route, error) {
	base, err := url.Parse(u.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("gateway: upstream %q: base URL is not an http(s) URL", u.Name)
	}
	r := &route{
		rev:     rev,
		name:    u.Name,
		baseURL: u.BaseURL,
		prefix:  []byte(base.Scheme + "://" + base.Host + strings.TrimSuffix(base.EscapedPath(), "/")),
		metrics: g.met.Upstream(u.Name),
	}
	r.authKey, r.authValue = authHeader(u)
	r.mcp = u.Kind == store.KindMCP
	if old != nil && old.baseURL == u.BaseURL {
		r.client, r.streams = old.client, old.streams
	} else {
		r.client = g.newClient(base, g.cfg.IdleTimeout)
	}
	if r.mcp && r.streams == nil {
		r.streams = g.newClient(base, g.cfg.MCPStreamIdleTimeout)
	}
	return r, nil
}

// authHeader returns the header name and value that carry u's credential:
// AuthHeader (default Authorization) and AuthScheme followed by a space
// (default "Bearer" for Authorization, none for other headers).
func authHeader(u *store.Upstream) (string, []byte) {
	if u.Credential == "" {
		return "", nil
	}
	key := u.AuthHeader
	if key == "" {
		key = "Authorization"
	}
	scheme := u.AuthScheme
	if scheme == "" && strings.EqualFold(key, "Authorization") {
		scheme = "Bearer"
	}
	if scheme == "" {
		return key, []byte(u.Credential)
	}
	return key, []byte(scheme + " " + u.Credential)
}

// newClient returns the pooled client of one upstream host, whose
// connections have the idle timeout idle (0: none). Retries are limited to
// idempotent requests that failed before any timeout, so a slow upstream is
// never asked twice.
func (g *Gateway) newClient(base *url.URL, idle time.Duration) *fasthttp.HostClient {
	host := base.Host
	if base.Port() == "" {
		port := "80"
		if base.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(base.Hostname(), port)
	}
	var tlsConf *tls.Config
	if base.Scheme == "https" {
		tlsConf = &tls.Config{ServerName: base.Hostname(), MinVersion: tls.VersionTLS12}
	}
	c := &fasthttp.HostClient{
		Addr:  host,
		IsTLS: base.Scheme == "https",
		Dial:  func(addr string) (net.Conn, error) { return g.dial(addr, tlsConf, idle) },
		// Pooled connections are dropped before the common 5 s keep-alive of
		// upstream servers (Node.js, many proxies) closes them under us: a
		// POST is never retried, so a stale connection would be a 502.
		MaxIdleConnDuration:      4 * time.Second,
		MaxConns:                 g.cfg.MaxConnsPerUpstream,
		MaxConnWaitTimeout:       g.cfg.ConnectTimeout,
		NoDefaultUserAgentHeader: true,
		DisablePathNormalizing:   true,
		StreamResponseBody:       true,
		// One retry, only for GET and HEAD on a broken pooled connection:
		// never after a timeout or a failed connect, which would only wait twice.
		MaxIdemponentCallAttempts: 2,
		RetryIfErr: func(req *fasthttp.Request, _ int, err error) (bool, bool) {
			var de *dialError
			retry := (req.Header.IsGet() || req.Header.IsHead()) &&
				!errors.As(err, &de) && upstreamFailure(err) == failUpstreamDown
			return false, retry
		},
	}
	return c
}
