package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/token"
)

// Validate reports every problem of c at once (joined with errors.Join), each
// naming its field by dotted YAML path. It never includes the operator token,
// a Redis URL or the SMTP password in a message, since all may carry secrets.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	checkAddr(bad, "listen", c.Listen)
	checkAddr(bad, "admin_listen", c.AdminListen)
	if c.Listen != "" && c.Listen == c.AdminListen && !strings.HasSuffix(c.Listen, ":0") { // :0 picks a free port each
		bad("admin_listen", "must differ from listen (%s)", c.Listen)
	}
	if c.RedisURL == "" && c.DataDir == "" {
		bad("data_dir", "required when redis_url is empty")
	}
	if c.RedisURL != "" {
		checkRedisURL(bad, c.RedisURL)
	}
	if c.OperatorToken != "" {
		p, err := token.Parse([]byte(c.OperatorToken))
		switch {
		case err != nil:
			bad("operator_token", "not a valid token (%v)", err)
		case p.Kind != token.Operator:
			bad("operator_token", "must be an operator token (tgo_…), got a %s token", p.Kind)
		}
	}
	c.Store.validate(bad)
	c.Proxy.validate(bad)
	c.SMTP.validate(bad)
	if c.Pricing != nil {
		c.Pricing.validate(bad)
	}
	if c.ShutdownGrace < 0 {
		bad("shutdown_grace", "must not be negative, got %s", c.ShutdownGrace)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "must be text or json, got %q", c.Log.Format)
	}
	return errors.Join(errs...)
}

type reporter func(field, format string, args ...any)

func (s *StoreConfig) validate(bad reporter) {
	positive(bad, "store.timeout", s.Timeout)
	if s.Breaker.Failures < 1 {
		bad("store.breaker.failures", "must be at least 1, got %d", s.Breaker.Failures)
	}
	positive(bad, "store.breaker.cooldown", s.Breaker.Cooldown)
	if s.LocalRPM < 1 {
		bad("store.local_rpm", "must be at least 1, got %d", s.LocalRPM)
	}
}

func (p *ProxyConfig) validate(bad reporter) {
	if p.MaxBodyBytes < 1 {
		bad("proxy.max_body_bytes", "must be at least 1, got %d", p.MaxBodyBytes)
	}
	positive(bad, "proxy.connect_timeout", p.ConnectTimeout)
	positive(bad, "proxy.first_byte_timeout", p.FirstByteTimeout)
	positive(bad, "proxy.idle_timeout", p.IdleTimeout)
	positive(bad, "proxy.client_read_timeout", p.ClientReadTimeout)
	positive(bad, "proxy.client_idle_timeout", p.ClientIdleTimeout)
	positive(bad, "proxy.public_refresh", p.PublicRefresh)
	if p.MaxConnsPerUpstream < 1 {
		bad("proxy.max_conns_per_upstream", "must be at least 1, got %d", p.MaxConnsPerUpstream)
	}
	positive(bad, "proxy.drain_timeout", p.DrainTimeout)
	if p.DrainBytes < 1 {
		bad("proxy.drain_bytes", "must be at least 1, got %d", p.DrainBytes)
	}
	if p.MCPStreamIdleTimeout < 0 {
		bad("proxy.mcp_stream_idle_timeout", "must not be negative (0 means none), got %s", p.MCPStreamIdleTimeout)
	}
	positive(bad, "proxy.mcp_stream_recheck", p.MCPStreamRecheck)
}

func positive(bad reporter, field string, d time.Duration) {
	if d <= 0 {
		bad(field, "must be a positive duration, got %s", d)
	}
}

func checkAddr(bad reporter, field, addr string) {
	if addr == "" {
		bad(field, "required (host:port)")
		return
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		bad(field, "want host:port, got %q", addr)
		return
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		bad(field, "port must be a number from 0 to 65535, got %q", port)
	}
}

// checkRedisURL never echoes the URL or the parse error, which quotes it:
// the URL may hold a password.
func checkRedisURL(bad reporter, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		bad("redis_url", "not a valid URL")
		return
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" {
			bad("redis_url", "missing host (want redis://host:port/db)")
		}
	case "unix":
		if u.Path == "" {
			bad("redis_url", "missing socket path (want unix:///path/to/redis.sock)")
		}
	default:
		bad("redis_url", "scheme must be redis, rediss or unix, got %q", u.Scheme)
	}
}
