package admin

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// upstreamName is the rule for upstream names: they are the first path
// segment of gateway routes.
var upstreamName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// roles are the member roles, as in SPEC.md §2.
var roles = map[string]bool{"owner": true, "admin": true, "member": true, "reader": true}

// Name length bounds for workspaces and keys.
const maxNameLen = 100

func checkName(field, s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return errInvalid("%s: required", field)
	case utf8.RuneCountInString(s) > maxNameLen:
		return errInvalid("%s: at most %d characters", field, maxNameLen)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		return errInvalid("%s: must be printable text", field)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func checkUpstreamName(field, s string) error {
	if !upstreamName.MatchString(s) {
		return errInvalid("%s: %q must match [a-z0-9][a-z0-9-_]{0,62}", field, s)
	}
	return nil
}

func checkRole(s string) error {
	if !roles[s] {
		return errInvalid("role: must be owner, admin, member or reader, got %q", s)
	}
	return nil
}

func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return errInvalid("email: %q is not a plain email address such as alice@example.com", s)
	}
	return nil
}

func checkRPM(field string, v *int64) error {
	if v != nil && *v < 0 {
		return errInvalid("%s: must be 0 (off or default) or more, got %d", field, *v)
	}
	return nil
}

// checkBaseURL accepts an absolute http or https URL with a host and no
// user info, query or fragment. Its messages never quote the URL, which may
// carry a secret in a place we refuse.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return errInvalid("base_url: required")
	case err != nil:
		return errInvalid("base_url: not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errInvalid("base_url: scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return errInvalid("base_url: missing host")
	case u.User != nil:
		return errInvalid("base_url: must not contain user info; put the secret in credential")
	case u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "#"):
		return errInvalid("base_url: must not have a query or fragment")
	}
	return nil
}

// checkHeaderName accepts an HTTP header field name (RFC 9110 token).
func checkHeaderName(s string) error {
	if s == "" {
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return errInvalid("auth_header: %q is not a valid header name", s)
		}
	}
	return nil
}
