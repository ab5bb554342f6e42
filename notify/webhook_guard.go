package notify

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrWebhookURL is wrapped by every error about a webhook URL that may not
// be used: malformed, not http(s), with credentials, or pointing at a
// refused address.
var ErrWebhookURL = errors.New("notify: webhook url refused")

// awsMetadataV6 is the IPv6 address of the AWS instance metadata service. It
// lies in fc00::/7, a private range that stays allowed, so it is named on
// its own. The address rules below are a copy of admin's upstream target
// check (admin/upstream_target.go), which notify cannot import: admin
// imports notify.
var awsMetadataV6 = netip.MustParseAddr("fd00:ec2::254")

// refusedIP names why a webhook may not connect to ip ("loopback", …), or
// returns "" when it may. Private ranges (10/8, 172.16/12, 192.168/16,
// fc00::/7) stay allowed for receivers inside the operator's network;
// loopback is allowed only with allowLoopback.
func refusedIP(ip netip.Addr, allowLoopback bool) string {
	ip = ip.WithZone("").Unmap()
	switch {
	case ip.IsLoopback() && !allowLoopback:
		return "loopback"
	case ip.IsLoopback():
		return ""
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return "link-local (cloud metadata lives there)"
	case ip.IsUnspecified() || ip.Is4() && ip.As4()[0] == 0:
		return "unspecified"
	case ip == awsMetadataV6:
		return "cloud metadata service"
	case ip.IsMulticast():
		return "multicast"
	}
	return ""
}

// CheckWebhookURL checks a receiver URL when it is registered: absolute
// http or https, a host, no user:password, no host that is a link-local,
// unspecified or metadata address, and, unless allowLoopback, no loopback
// address or localhost name. It does not resolve names: the Dispatcher checks the
// address it actually connects to on every attempt, which also defeats a
// name that resolves elsewhere later. Errors wrap ErrWebhookURL and never
// quote the URL's query (it may carry a token).
func CheckWebhookURL(raw string, allowLoopback bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: not a valid URL", ErrWebhookURL)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%w: scheme must be https or http, got %q", ErrWebhookURL, truncate(u.Scheme, 20))
	}
	if u.User != nil {
		return fmt.Errorf("%w: user:password in the URL is not allowed; authenticate with the signature", ErrWebhookURL)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return fmt.Errorf("%w: the URL has no host", ErrWebhookURL)
	}
	if !allowLoopback && (host == "localhost" || strings.HasSuffix(host, ".localhost")) {
		return fmt.Errorf("%w: host %q is loopback", ErrWebhookURL, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := refusedIP(ip, allowLoopback); why != "" {
			return fmt.Errorf("%w: %s is a %s address", ErrWebhookURL, ip, why)
		}
	}
	return nil
}

// guardDial returns a net.Dialer Control function that refuses, at connect
// time, every address refusedIP names. Checking the address being dialled
// (not the name in the URL) covers every name, including one whose DNS
// answer changed since the webhook was registered.
func guardDial(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot parse dialled address %q", ErrWebhookURL, address)
		}
		if why := refusedIP(ap.Addr(), allowLoopback); why != "" {
			return fmt.Errorf("%w: %s is a %s address", ErrWebhookURL, ap.Addr(), why)
		}
		return nil
	}
}
