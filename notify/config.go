package notify

import (
	"crypto/tls"
	"time"

	"github.com/tollgate-dev/tollgate/config"
)

// StartTLS says when a connection is upgraded to TLS.
type StartTLS string

// StartTLS modes. The empty value is Auto.
const (
	Auto   StartTLS = "auto"   // upgrade when the server offers STARTTLS
	Always StartTLS = "always" // refuse to send unless the server offers it
	Never  StartTLS = "never"  // never upgrade; only for a local relay
)

// Default timeouts, used when the SMTPConfig fields are zero.
const (
	DefaultDialTimeout = 10 * time.Second
	DefaultTimeout     = 60 * time.Second
)

// SMTPConfig configures NewSMTP. Zero durations take the defaults above.
type SMTPConfig struct {
	Addr     string   // host:port of the submission server
	From     string   // sender, as net/mail parses it
	Username string   // AUTH PLAIN user; empty sends without authentication
	Password string   // AUTH PLAIN password; never logged nor put in an error
	StartTLS StartTLS // when to upgrade; empty means Auto

	DialTimeout time.Duration // connecting to the server
	// Timeout bounds one whole Send (connect, TLS, AUTH, DATA) when ctx
	// has no earlier deadline.
	Timeout time.Duration
	// TLS is the client TLS configuration; nil uses the system roots. Its
	// ServerName defaults to the host of Addr.
	TLS *tls.Config
	// Hostname is the name sent with EHLO; empty sends "localhost".
	Hostname string
	// Now is the clock of the Date header; nil uses time.Now.
	Now func() time.Time
}

// FromConfig returns the SMTPConfig of the configuration's smtp section.
// The other fields keep their zero values (defaults).
func FromConfig(c config.SMTPConfig) SMTPConfig {
	return SMTPConfig{Addr: c.Addr, From: c.From, Username: c.Username, Password: c.Password,
		StartTLS: StartTLS(c.StartTLS)}
}
