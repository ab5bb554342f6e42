package smtptest

import (
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// recv waits for one message; the deadline only bounds a failing test.
func recv(t *testing.T, s *Server) Received {
	t.Helper()
	select {
	case m := <-s.Messages():
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message arrived")
		return Received{}
	}
}

// dial opens a raw protocol connection and reads the greeting.
func dial(t *testing.T, s *Server) *textproto.Conn {
	t.Helper()
	c, err := textproto.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	expect(t, c, 220)
	return c
}

func cmd(t *testing.T, c *textproto.Conn, code int, format string, args ...any) string {
	t.Helper()
	if err := c.PrintfLine(format, args...); err != nil {
		t.Fatal(err)
	}
	return expect(t, c, code)
}

func expect(t *testing.T, c *textproto.Conn, code int) string {
	t.Helper()
	_, msg, err := c.ReadResponse(code)
	if err != nil {
		t.Fatalf("want %d: %v", code, err)
	}
	return msg
}

// TestNetSMTPClientDeliversAndMessageIsParsed: the stock Go client talks to the server and the message is recorded.
func TestNetSMTPClientDeliversAndMessageIsParsed(t *testing.T) {
	s := Start(t)
	body := "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nline one=\r\n continued\r\n.starts with a dot\r\n"
	if err := smtp.SendMail(s.Addr, nil, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(body)); err != nil {
		t.Fatal(err)
	}
	m := recv(t, s)
	if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" || m.ParseErr != nil {
		t.Fatalf("got %+v", m)
	}
	if m.Subject != "Grüße" || m.Body != "line one continued\n.starts with a dot\n" {
		t.Fatalf("subject %q body %q", m.Subject, m.Body)
	}
	if !strings.Contains(string(m.Data), "\r\n.starts with a dot\r\n") {
		t.Fatalf("raw data not unstuffed: %q", m.Data)
	}
}

// TestProtocolCommandsAndOrdering: RSET, NOOP, HELO and out-of-order commands answer as RFC 5321 says.
func TestProtocolCommandsAndOrdering(t *testing.T) {
	s := Start(t)
	c := dial(t, s)
	cmd(t, c, 503, "MAIL FROM:<a@example.com>")
	cmd(t, c, 250, "HELO client")
	cmd(t, c, 503, "RCPT TO:<b@example.com>")
	cmd(t, c, 503, "DATA")
	cmd(t, c, 501, "MAIL FROM:a@example.com")
	cmd(t, c, 250, "MAIL FROM:<dropped@example.com>")
	cmd(t, c, 250, "RCPT TO:<dropped@example.com>")
	cmd(t, c, 250, "RSET")
	cmd(t, c, 250, "NOOP")
	cmd(t, c, 503, "RCPT TO:<b@example.com>") // RSET forgot the transaction
	cmd(t, c, 250, "MAIL FROM:<>")
	cmd(t, c, 250, "RCPT TO:<b@example.com>")
	cmd(t, c, 354, "DATA")
	cmd(t, c, 250, "Subject: hi\r\n\r\n..\r\n...x\r\n.")
	cmd(t, c, 502, "VRFY b")
	cmd(t, c, 221, "QUIT")
	m := recv(t, s)
	if m.From != "" || string(m.Data) != "Subject: hi\r\n\r\n.\r\n..x\r\n" {
		t.Fatalf("got from %q data %q", m.From, m.Data)
	}
}

// TestRejectRcptRefusesChosenRecipients: a refusing server is how tests exercise delivery errors.
func TestRejectRcptRefusesChosenRecipients(t *testing.T) {
	s := StartWith(t, Options{RejectRcpt: func(a string) bool { return strings.HasPrefix(a, "nobody@") }})
	c := dial(t, s)
	cmd(t, c, 250, "EHLO client")
	cmd(t, c, 250, "MAIL FROM:<a@example.com>")
	if msg := cmd(t, c, 550, "RCPT TO:<nobody@example.com>"); !strings.Contains(msg, "nobody@example.com") {
		t.Fatalf("rejection does not name the recipient: %q", msg)
	}
	cmd(t, c, 250, "RCPT TO:<b@example.com>")
}

// TestAuthPlainRequiredAndChecked: with credentials set, MAIL needs AUTH and a wrong password is refused.
func TestAuthPlainRequiredAndChecked(t *testing.T) {
	s := StartWith(t, Options{Username: "u", Password: "p"})
	c := dial(t, s)
	if msg := cmd(t, c, 250, "EHLO client"); !strings.Contains(msg, "AUTH PLAIN") {
		t.Fatalf("AUTH not advertised: %q", msg)
	}
	cmd(t, c, 530, "MAIL FROM:<a@example.com>")
	cmd(t, c, 535, "AUTH PLAIN AHUAd3Jvbmc=") // \0u\0wrong
	cmd(t, c, 504, "AUTH LOGIN")
	cmd(t, c, 334, "AUTH PLAIN")
	cmd(t, c, 235, "AHUAcA==") // \0u\0p
	cmd(t, c, 250, "MAIL FROM:<a@example.com>")
}

// TestStartTLSUpgradesAndIsRecorded: the STARTTLS option lets clients test the encrypted path.
func TestStartTLSUpgradesAndIsRecorded(t *testing.T) {
	s := StartWith(t, Options{StartTLS: true, Username: "u", Password: "p"})
	c, err := smtp.Dial(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(s.ClientTLS()); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("b@example.com"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: tls\r\n\r\nhello\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, s); !m.TLS || m.AuthUser != "u" || m.Subject != "tls" {
		t.Fatalf("got %+v", m)
	}
}

// TestLongLineRefused: lines over 1000 bytes break RFC 5321 and must not be accepted silently.
func TestLongLineRefused(t *testing.T) {
	s := Start(t)
	c := dial(t, s)
	cmd(t, c, 250, "EHLO client")
	cmd(t, c, 250, "MAIL FROM:<a@example.com>")
	cmd(t, c, 250, "RCPT TO:<b@example.com>")
	cmd(t, c, 354, "DATA")
	cmd(t, c, 552, "%s\r\n.", strings.Repeat("x", 5000))
	cmd(t, c, 250, "NOOP")
}

// TestCloseWithOpenConnections: stopping the server never hangs on a client that stays connected.
func TestCloseWithOpenConnections(t *testing.T) {
	s := StartWith(t, Options{Silent: true})
	c, err := textproto.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s.Close()
	if _, err := c.ReadLine(); err == nil {
		t.Fatal("connection still open after Close")
	}
	s.Close() // twice is fine
}
