package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"sync"
	"testing"
)

// Options change how a Server behaves. The zero value accepts every message
// without TLS or authentication.
type Options struct {
	// RejectRcpt, when set, refuses every recipient for which it returns
	// true with "550 5.1.1".
	RejectRcpt func(addr string) bool
	// Username and Password, when Username is set, make the server offer
	// AUTH PLAIN and refuse MAIL from clients that did not authenticate.
	Username, Password string
	// StartTLS makes the server offer STARTTLS with a self-signed
	// certificate for 127.0.0.1 and localhost; see Server.ClientTLS.
	StartTLS bool
	// Silent accepts connections but never greets, like a hung server.
	Silent bool
}

// Received is one message the server accepted.
type Received struct {
	From     string   // MAIL FROM path, without angle brackets
	To       []string // RCPT TO paths, in order
	Data     []byte   // the message as sent, dot-unstuffed, CRLF line ends, without the final "."
	AuthUser string   // the user that authenticated, or ""
	TLS      bool     // whether the message was sent after STARTTLS
	Message           // headers and body parsed from Data
}

// Server is a running SMTP server owned by one test. It is stopped when the
// test ends. Its methods are safe for concurrent use.
type Server struct {
	Addr string // host:port on 127.0.0.1

	opts  Options
	ln    net.Listener
	tls   *tls.Config
	roots *x509.CertPool
	msgs  chan Received
	done  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Start runs a server with the zero Options.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith runs a server with opts on a free loopback port.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, ln: ln,
		msgs: make(chan Received, 1024), done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	if opts.StartTLS {
		if s.tls, s.roots, err = selfSigned(); err != nil {
			ln.Close()
			t.Fatalf("smtptest: certificate: %v", err)
		}
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// Messages returns the channel on which every accepted message arrives, in
// the order the server accepted them. It buffers 1024 messages; beyond that
// the sending client waits for the test to read.
func (s *Server) Messages() <-chan Received { return s.msgs }

// ClientTLS returns a TLS configuration that trusts the server's certificate,
// or nil when Options.StartTLS is off.
func (s *Server) ClientTLS() *tls.Config {
	if s.roots == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// Close stops the server, drops open connections and waits for them to end.
// It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		return
	default:
	}
	close(s.done)
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.mu.Lock()
		select {
		case <-s.done:
			s.mu.Unlock()
			c.Close()
			return
		default:
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer s.forget(c)
			if s.opts.Silent {
				<-s.done
				return
			}
			newSession(s, c).run()
		}()
	}
}

func (s *Server) forget(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// deliver hands m to the test, giving up when the server closes.
func (s *Server) deliver(m Received) bool {
	select {
	case s.msgs <- m:
		return true
	case <-s.done:
		return false
	}
}
