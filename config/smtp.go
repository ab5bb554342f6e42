package config

import (
	"net"
	"net/mail"
	"net/url"
	"strings"
)

// PublicURL returns the externally reachable base URL of the admin listener,
// without a trailing slash: smtp.public_url when set, otherwise
// http://<admin_listen> with an unspecified host (0.0.0.0, ::, empty) shown
// as localhost. Accept links in invitations are built on it.
func (c *Config) PublicURL() string {
	if c.SMTP.PublicURL != "" {
		return strings.TrimRight(c.SMTP.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(c.AdminListen)
	if err != nil {
		return "http://" + c.AdminListen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// validate checks the smtp section. It never quotes the password.
func (s *SMTPConfig) validate(bad reporter) {
	if s.Addr != "" {
		checkAddr(bad, "smtp.addr", s.Addr)
		if strings.HasSuffix(s.Addr, ":0") {
			bad("smtp.addr", "port 0 is not a mail server port, got %q", s.Addr)
		}
		if s.From == "" {
			bad("smtp.from", "required when smtp.addr is set (the sender address)")
		}
	}
	if s.From != "" {
		if _, err := mail.ParseAddress(s.From); err != nil {
			bad("smtp.from", "not a valid e-mail address (%v), got %q", err, s.From)
		}
	}
	if (s.Username == "") != (s.Password == "") {
		bad("smtp.password", "smtp.username and smtp.password must be set together")
	}
	switch s.StartTLS {
	case "auto", "always":
	case "never":
		if s.Username != "" && s.Addr != "" && !loopbackHost(s.Addr) {
			bad("smtp.starttls", "never would send the password in clear to %s; use auto or always, or a loopback relay", s.Addr)
		}
	default:
		bad("smtp.starttls", "must be auto, always or never, got %q", s.StartTLS)
	}
	if s.PublicURL != "" {
		checkPublicURL(bad, s.PublicURL)
	}
}

func checkPublicURL(bad reporter, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		bad("smtp.public_url", "not a valid URL, got %q", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		bad("smtp.public_url", "must be an http or https URL, got %q", raw)
	case u.Host == "":
		bad("smtp.public_url", "missing host (want https://tollgate.example.com), got %q", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		bad("smtp.public_url", "must be a base URL without user info, query or fragment, got %q", u.Redacted())
	}
}

// loopbackHost reports whether the host of addr is localhost or a loopback IP.
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
