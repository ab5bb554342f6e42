package notify

import (
	"errors"
	"net"
	"net/smtp"
	"slices"
	"strings"
)

// plainAuth is AUTH PLAIN (RFC 4616). Unlike smtp.PlainAuth it leaves the
// decision whether the connection is safe to the caller (see authAllowed),
// so that any loopback address qualifies, not only 127.0.0.1.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(s *smtp.ServerInfo) (string, []byte, error) {
	if !slices.ContainsFunc(s.Auth, func(m string) bool { return strings.EqualFold(m, "PLAIN") }) {
		return "", nil, errors.New("server does not offer AUTH PLAIN")
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}

// loopback reports whether host is localhost or a loopback IP, where a
// password sent in clear never leaves the machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
