package config

import (
	"fmt"
	"net/url"

	"github.com/tollgate-dev/tollgate/token"
)

// OperatorHash returns the hash of the operator token, the form in which the
// admin API compares it, and whether a token is configured.
func (c *Config) OperatorHash() (token.Hash, bool) {
	if c.OperatorToken == "" {
		return token.Hash{}, false
	}
	return token.HashOf([]byte(c.OperatorToken)), true
}

// Redacted returns a copy of c that is safe to log: the operator token is
// reduced to its display prefix, and a Redis password and the SMTP password
// are masked.
func (c Config) Redacted() Config {
	if c.SMTP.Password != "" {
		c.SMTP.Password = "xxxxx"
	}
	if c.OperatorToken != "" {
		c.OperatorToken = token.Display(c.OperatorToken)
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		switch {
		case err != nil:
			c.RedisURL = "(invalid URL)"
		case u.User != nil:
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
			c.RedisURL = u.String()
		}
	}
	return c
}

// String formats the redacted configuration.
func (c Config) String() string {
	return fmt.Sprintf("%+v", struct{ Config redacted }{redacted(c.Redacted())})
}

// redacted has Config's fields but not its String method, so formatting it
// does not recurse.
type redacted Config
