package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"time"
)

// smtpMailer sends each message over its own connection, so it holds no
// connection state and is safe for concurrent use.
type smtpMailer struct {
	cfg  SMTPConfig
	host string        // host part of cfg.Addr
	from *mail.Address // parsed cfg.From
	err  error         // configuration problem, returned by every Send
}

var _ Mailer = (*smtpMailer)(nil)

// NewSMTP returns a Mailer that sends through the SMTP server of cfg. A bad
// configuration (no address, a malformed sender, an unknown StartTLS mode) is
// not reported here but by every Send, with the field named.
func NewSMTP(cfg SMTPConfig) Mailer {
	m := &smtpMailer{cfg: cfg}
	if m.cfg.StartTLS == "" {
		m.cfg.StartTLS = Auto
	}
	if m.cfg.DialTimeout <= 0 {
		m.cfg.DialTimeout = DefaultDialTimeout
	}
	if m.cfg.Timeout <= 0 {
		m.cfg.Timeout = DefaultTimeout
	}
	if m.cfg.Hostname == "" {
		m.cfg.Hostname = "localhost"
	}
	if m.cfg.Now == nil {
		m.cfg.Now = time.Now
	}
	m.err = m.check()
	return m
}

// check validates the configuration once; its errors never quote the password.
func (m *smtpMailer) check() error {
	host, _, err := net.SplitHostPort(m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("notify: smtp address must be host:port, got %q", m.cfg.Addr)
	}
	m.host = host
	if m.from, err = mail.ParseAddress(m.cfg.From); err != nil {
		return fmt.Errorf("%w: sender %q: %v", ErrInvalidMessage, m.cfg.From, err)
	}
	switch m.cfg.StartTLS {
	case Auto, Always, Never:
	default:
		return fmt.Errorf("notify: starttls must be auto, always or never, got %q", m.cfg.StartTLS)
	}
	if m.cfg.Username != "" && m.cfg.StartTLS == Never && !loopback(host) {
		return fmt.Errorf("notify: refusing to send the SMTP password in clear to %s (starttls is never)", m.cfg.Addr)
	}
	return nil
}

// Send validates msg, then connects, says EHLO, upgrades to TLS and
// authenticates as configured, and hands the message over. Every error
// names the server and the step that failed.
func (m *smtpMailer) Send(ctx context.Context, msg Message) error {
	if m.err != nil {
		return m.err
	}
	env, err := parseEnvelope(m.from, msg)
	if err != nil {
		return err
	}
	data, err := compose(env, msg, m.cfg.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	conn, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := m.session(conn, env, data); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		return err
	}
	return nil
}

// dial connects within DialTimeout and makes the connection obey ctx: its
// deadline becomes the I/O deadline, and cancellation unblocks any I/O.
func (m *smtpMailer) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: m.cfg.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", m.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp connect to %s: %w", m.cfg.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return &stoppingConn{Conn: conn, stop: stop}, nil
}

// stoppingConn releases the context hook when the connection closes.
type stoppingConn struct {
	net.Conn
	stop func() bool
}

func (c *stoppingConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// session runs the SMTP dialogue on conn.
func (m *smtpMailer) session(conn net.Conn, env envelope, data []byte) error {
	fail := func(step string, err error) error {
		return fmt.Errorf("notify: smtp %s at %s: %w", step, m.cfg.Addr, err)
	}
	c, err := smtp.NewClient(conn, m.host) // reads the 220 greeting
	if err != nil {
		return fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(m.cfg.Hostname); err != nil {
		return fail("EHLO", err)
	}
	if err := m.startTLS(c); err != nil {
		return err
	}
	if err := m.auth(c); err != nil {
		return err
	}
	if err := c.Mail(env.from.Address); err != nil {
		return fail(fmt.Sprintf("MAIL FROM <%s>", env.from.Address), err)
	}
	for _, a := range env.to {
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("notify: smtp RCPT TO <%s> at %s: %w: %w", a.Address, m.cfg.Addr, ErrRecipientRefused, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(data); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("end of DATA", err)
	}
	_ = c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

// startTLS upgrades the connection as the StartTLS mode says.
func (m *smtpMailer) startTLS(c *smtp.Client) error {
	if m.cfg.StartTLS == Never {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		if m.cfg.StartTLS == Always {
			return fmt.Errorf("notify: smtp server at %s does not offer STARTTLS and starttls is always", m.cfg.Addr)
		}
		return nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.cfg.TLS != nil {
		tc = m.cfg.TLS.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = m.host
	}
	if err := c.StartTLS(tc); err != nil {
		return fmt.Errorf("notify: smtp STARTTLS at %s: %w", m.cfg.Addr, err)
	}
	return nil
}

// auth authenticates with AUTH PLAIN when a user is configured, and only
// over TLS or to a loopback host. Server replies are quoted in errors; the
// password is not.
func (m *smtpMailer) auth(c *smtp.Client) error {
	if m.cfg.Username == "" {
		return nil
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS && !loopback(m.host) {
		return fmt.Errorf("notify: smtp server at %s does not offer STARTTLS; refusing to send the password in clear", m.cfg.Addr)
	}
	if err := c.Auth(plainAuth{user: m.cfg.Username, pass: m.cfg.Password}); err != nil {
		return fmt.Errorf("notify: smtp AUTH PLAIN as %q at %s: %w", m.cfg.Username, m.cfg.Addr, err)
	}
	return nil
}
