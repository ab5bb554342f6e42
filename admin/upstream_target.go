package admin

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// targetLookupTimeout bounds the DNS lookup of an upstream's host made when
// a member registers or edits it.
const targetLookupTimeout = 2 * time.Second

// awsMetadataV6 is the IPv6 address of the AWS instance metadata service.
// It lies in fc00::/7, a private range that stays allowed, so it is named
// here on its own: no self-hosted model server lives at it.
var awsMetadataV6 = netip.MustParseAddr("fd00:ec2::254")

// checkUpstreamTarget refuses, for a member caller, a base URL whose host is
// or resolves to a loopback, link-local or unspecified address: such an
// upstream would let any account reach the gateway host itself (its admin
// listener included) or the cloud metadata service. Private ranges (10/8,
// 172.16/12, 192.168/16, fc00::/7) stay allowed for self-hosted servers.
// The check is made once, at registration: a name that resolves elsewhere
// later (DNS rebinding) is out of its scope, and a name that does not
// resolve now is let through, as the gateway cannot reach it either. The
// operator is trusted and never checked. s has passed checkBaseURL.
func checkUpstreamTarget(ctx context.Context, c *caller, s string) error {
	return checkTarget(ctx, c, targetRule{"base_url", "upstreams"}, s)
}

// targetRule names, in checkTarget's messages, the URL's field and what the
// URL points to (upstreams, webhooks).
type targetRule struct{ field, what string }

// checkTarget is checkUpstreamTarget for any URL field whose server the
// gateway calls.
func checkTarget(ctx context.Context, c *caller, t targetRule, s string) error {
	if c.operator {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return errInvalid("%s: not a valid URL", t.field)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return refusedAddr(t, ip, "")
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errUnprocessable("%s: host %q is loopback (localhost names always are); register a reachable server", t.field, host)
	}
	if numericHost(host) {
		return errUnprocessable("%s: host %q is not a standard IP address or DNS name", t.field, host)
	}
	ctx, cancel := context.WithTimeout(ctx, targetLookupTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil // unreachable now; see the doc comment
	}
	for _, ip := range addrs {
		if err := refusedAddr(t, ip, host); err != nil {
			return err
		}
	}
	return nil
}

// refusedAddr returns the 422 for an address an upstream may not have, or
// nil. host, when not empty, is the name that resolved to ip.
func refusedAddr(t targetRule, ip netip.Addr, host string) error {
	ip = ip.WithZone("").Unmap()
	var why string
	switch {
	case ip.IsLoopback():
		why = "loopback"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		why = "link-local (cloud metadata lives there)"
	case ip.IsUnspecified() || ip.Is4() && ip.As4()[0] == 0:
		why = "unspecified"
	case ip == awsMetadataV6:
		why = "cloud metadata service"
	default:
		return nil
	}
	if host != "" {
		return errUnprocessable("%s: host %q resolves to %s, a %s address; %s must not point at the gateway host or its link", t.field, host, ip, why, t.what)
	}
	return errUnprocessable("%s: %s is a %s address; %s must not point at the gateway host or its link", t.field, ip, why, t.what)
}

// numericHost reports whether host looks like an IP address in a form
// netip refuses (127.1, 0x7f.1, 2130706433, 0177.0.0.1): some resolvers
// read such names as addresses, and no DNS name ends in a numeric label.
func numericHost(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if strings.HasPrefix(last, "0x") {
		return true
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}
