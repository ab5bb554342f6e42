package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/smtptest"
	"github.com/tollgate-dev/tollgate/token"
)

var fixedNow = time.Date(2026, 11, 3, 14, 5, 0, 0, time.FixedZone("CET", 3600))

func mailerFor(s *smtptest.Server) SMTPConfig {
	return SMTPConfig{Addr: s.Addr, From: "Tollgate <tollgate@example.com>", Now: func() time.Time { return fixedNow }}
}

// recv waits for one message; the deadline only bounds a failing test.
func recv(t *testing.T, s *smtptest.Server) smtptest.Received {
	t.Helper()
	select {
	case m := <-s.Messages():
		if m.ParseErr != nil {
			t.Fatalf("message does not parse: %v\n%s", m.ParseErr, m.Data)
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message arrived")
		return smtptest.Received{}
	}
}

func assertNoMessage(t *testing.T, s *smtptest.Server) {
	t.Helper()
	select {
	case m := <-s.Messages():
		t.Fatalf("unexpected message %q", m.Data)
	default:
	}
}

func inviteCodeFor(t *testing.T) string {
	t.Helper()
	c, err := token.New(token.Invite, token.NewID())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInvitationArrivesWithHeadersAndLink: the invitation reaches a real SMTP server intact.
func TestInvitationArrivesWithHeadersAndLink(t *testing.T) {
	s := smtptest.Start(t)
	code := inviteCodeFor(t)
	link := "https://tollgate.example.com/v1/invitations/accept?code=" + code
	msg := Invitation("Alice Ünal <alice@example.com>", "Research", "bob@example.com", "admin", link, fixedNow.Add(7*24*time.Hour))
	if err := NewSMTP(mailerFor(s)).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	m := recv(t, s)
	if m.From != "tollgate@example.com" || len(m.To) != 1 || m.To[0] != "alice@example.com" {
		t.Fatalf("envelope from %q to %q", m.From, m.To)
	}
	h := m.Header
	for k, want := range map[string]string{
		"From": `"Tollgate" <tollgate@example.com>`, "MIME-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8", "Date": fixedNow.Format(time.RFC1123Z),
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != "Alice Ünal" || to[0].Address != "alice@example.com" {
		t.Errorf("To: %v %v", to, err)
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(h.Get("Message-ID")) {
		t.Errorf("Message-ID %q", h.Get("Message-ID"))
	}
	if m.Subject != `bob@example.com invited you to "Research" on Tollgate` {
		t.Errorf("subject %q", m.Subject)
	}
	for _, want := range []string{"\n  " + link + "\n", "\n  tollgate invite accept " + code + "\n", "as admin", "Tuesday 10 November 2026, 13:05 UTC"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
	for _, line := range strings.Split(string(m.Data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("raw line longer than 78 bytes: %q", line)
		}
	}
}

// TestDotLinesSurviveTransport: lines that start with "." are dot-stuffed on the wire and arrive unchanged.
func TestDotLinesSurviveTransport(t *testing.T) {
	s := smtptest.Start(t)
	text := "first\n.\n.hidden\n..two\r\nlast"
	if err := NewSMTP(mailerFor(s)).Send(context.Background(), Message{To: []string{"a@example.com"}, Subject: "dots", Text: text}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, s).Body; got != "first\n.\n.hidden\n..two\nlast\n" {
		t.Fatalf("body %q", got)
	}
}

// TestRefusedRecipientIsAClearError: a wrong address must be reported with the address and the server's reply.
func TestRefusedRecipientIsAClearError(t *testing.T) {
	s := smtptest.StartWith(t, smtptest.Options{RejectRcpt: func(a string) bool { return a == "ghost@example.com" }})
	err := NewSMTP(mailerFor(s)).Send(context.Background(), Message{To: []string{"ok@example.com", "ghost@example.com"}, Subject: "x", Text: "x"})
	if !errors.Is(err, ErrRecipientRefused) {
		t.Fatalf("got %v, want ErrRecipientRefused", err)
	}
	for _, want := range []string{"notify: smtp RCPT TO <ghost@example.com> at " + s.Addr, "550"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	assertNoMessage(t, s)
}

// TestClosedPortIsAClearError: an unreachable server fails at once, naming the address.
func TestClosedPortIsAClearError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = NewSMTP(SMTPConfig{Addr: addr, From: "a@example.com", DialTimeout: 2 * time.Second}).
		Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "notify: smtp connect to "+addr) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("got %v", err)
	}
}

// TestSilentServerTimesOut: a server that never greets cannot hold a Send past its timeout.
func TestSilentServerTimesOut(t *testing.T) {
	s := smtptest.StartWith(t, smtptest.Options{Silent: true})
	cfg := mailerFor(s)
	cfg.Timeout = 50 * time.Millisecond
	err := NewSMTP(cfg).Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"})
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "notify: smtp greeting at "+s.Addr) {
		t.Fatalf("got %v", err)
	}
}

// TestCancelAbortsSend: cancelling the context unblocks a Send stuck on the network.
func TestCancelAbortsSend(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // never greets
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- NewSMTP(SMTPConfig{Addr: ln.Addr().String(), From: "a@example.com"}).
			Send(ctx, Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"})
	}()
	c := <-accepted
	defer c.Close()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestStartTLSAlwaysAndAuth: the password goes only over TLS, and the server sees the user.
func TestStartTLSAlwaysAndAuth(t *testing.T) {
	s := smtptest.StartWith(t, smtptest.Options{StartTLS: true, Username: "tg", Password: "pw"})
	cfg := mailerFor(s)
	cfg.StartTLS, cfg.TLS, cfg.Username, cfg.Password = Always, s.ClientTLS(), "tg", "pw"
	if err := NewSMTP(cfg).Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, s); !m.TLS || m.AuthUser != "tg" {
		t.Fatalf("tls %v user %q", m.TLS, m.AuthUser)
	}
}

// TestStartTLSAutoUpgradesWhenOffered: auto uses TLS whenever the server offers it.
func TestStartTLSAutoUpgradesWhenOffered(t *testing.T) {
	s := smtptest.StartWith(t, smtptest.Options{StartTLS: true})
	cfg := mailerFor(s)
	cfg.TLS = s.ClientTLS()
	if err := NewSMTP(cfg).Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if !recv(t, s).TLS {
		t.Fatal("auto did not upgrade")
	}
}

// TestStartTLSUntrustedCertificateFails: a certificate that does not verify stops the send.
func TestStartTLSUntrustedCertificateFails(t *testing.T) {
	s := smtptest.StartWith(t, smtptest.Options{StartTLS: true})
	err := NewSMTP(mailerFor(s)).Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "notify: smtp STARTTLS at "+s.Addr) {
		t.Fatalf("got %v", err)
	}
	assertNoMessage(t, s)
}

// TestStartTLSAlwaysRefusesPlainServer: always must not fall back to plain text.
func TestStartTLSAlwaysRefusesPlainServer(t *testing.T) {
	s := smtptest.Start(t)
	cfg := mailerFor(s)
	cfg.StartTLS = Always
	err := NewSMTP(cfg).Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS and starttls is always") {
		t.Fatalf("got %v", err)
	}
	assertNoMessage(t, s)
}

// TestAuthOverLoopbackWithoutTLS: a local relay may take the password in clear, since it never leaves the host.
func TestAuthOverLoopbackWithoutTLS(t *testing.T) {
	s := smtptest.StartWith(t, smtptest.Options{Username: "tg", Password: "pw"})
	cfg := mailerFor(s)
	cfg.Username, cfg.Password = "tg", "pw"
	if err := NewSMTP(cfg).Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if recv(t, s).AuthUser != "tg" {
		t.Fatal("not authenticated")
	}
}

// TestWrongPasswordNeverQuotesIt: the auth failure names the user and the reply, not the secret.
func TestWrongPasswordNeverQuotesIt(t *testing.T) {
	s := smtptest.StartWith(t, smtptest.Options{Username: "tg", Password: "pw"})
	cfg := mailerFor(s)
	cfg.Username, cfg.Password = "tg", "Wr0ngSecret"
	err := NewSMTP(cfg).Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), `AUTH PLAIN as "tg"`) || !strings.Contains(err.Error(), "535") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "Wr0ngSecret") {
		t.Fatalf("error quotes the password: %v", err)
	}
}

// TestBadInputIsNamed: malformed messages and settings are refused before any connection, saying what is wrong.
func TestBadInputIsNamed(t *testing.T) {
	ok := SMTPConfig{Addr: "127.0.0.1:1", From: "a@example.com"}
	msg := Message{To: []string{"b@example.com"}, Subject: "x", Text: "x"}
	tests := []struct {
		name    string
		cfg     SMTPConfig
		msg     Message
		want    string
		invalid bool // wraps ErrInvalidMessage
	}{
		{"no recipients", ok, Message{Subject: "x"}, "no recipients", true},
		{"bad recipient", ok, Message{To: []string{"not an address"}}, `recipient "not an address"`, true},
		{"subject line break", ok, Message{To: msg.To, Subject: "a\r\nBcc: x@example.com"}, "subject has a line break", true},
		{"bad sender", SMTPConfig{Addr: ok.Addr, From: "nobody"}, msg, `sender "nobody"`, true},
		{"no address", SMTPConfig{From: ok.From}, msg, "smtp address must be host:port", false},
		{"bad starttls", SMTPConfig{Addr: ok.Addr, From: ok.From, StartTLS: "maybe"}, msg, `starttls must be auto, always or never, got "maybe"`, false},
		{"password in clear", SMTPConfig{Addr: "mail.example.com:25", From: ok.From, Username: "u", Password: "hunter2", StartTLS: Never}, msg, "refusing to send the SMTP password in clear", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := NewSMTP(tc.cfg).Send(context.Background(), tc.msg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "notify: ") {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if errors.Is(err, ErrInvalidMessage) != tc.invalid || strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("unexpected error %v", err)
			}
		})
	}
}

// TestConcurrentSends: one Mailer serves many goroutines; every message arrives once.
func TestConcurrentSends(t *testing.T) {
	s := smtptest.Start(t)
	m := NewSMTP(mailerFor(s))
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- m.Send(context.Background(), Message{To: []string{fmt.Sprintf("u%d@example.com", i)}, Subject: fmt.Sprint(i), Text: "x"})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	subjects, ids := map[string]bool{}, map[string]bool{}
	for range n {
		r := recv(t, s)
		subjects[r.Subject], ids[r.Header.Get("Message-ID")] = true, true
	}
	if len(subjects) != n || len(ids) != n {
		t.Fatalf("%d distinct subjects, %d distinct ids, want %d", len(subjects), len(ids), n)
	}
}

// TestLoopback: only addresses that never leave the host count as loopback.
func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.0.0.2": true, "::1": true,
		"10.0.0.1": false, "mail.example.com": false, "localhost.example.com": false, "": false} {
		if loopback(host) != want {
			t.Errorf("loopback(%q) = %v", host, !want)
		}
	}
}
