package devmode

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Servers are the running demo upstreams started by [Start]. Each URL is a
// base URL for a gateway upstream record; each credential is the secret the
// gateway must inject as `Authorization: Bearer <credential>`. The
// credentials are secrets: never log them.
type Servers struct {
	// OpenAIURL is the OpenAI base URL including /v1, such as
	// http://127.0.0.1:PORT/v1, so gateway route /openai/chat/completions
	// reaches /v1/chat/completions.
	OpenAIURL        string
	OpenAICredential string
	// MCPURL is the MCP endpoint, such as http://127.0.0.1:PORT/mcp. The
	// server answers on any path of its listener.
	MCPURL        string
	MCPCredential string

	mcp     *mcpUpstream
	servers []*http.Server
	done    sync.WaitGroup
	once    sync.Once
	err     error
	stop    func() bool   // stops the context watch
	closed  chan struct{} // closed when Close has finished
}

// Start listens on two free loopback ports, serves [NewOpenAI] on one and
// [NewMCP] on the other with fresh random credentials, and returns their
// addresses. The servers run until Close is called or ctx ends.
func Start(ctx context.Context, opts ...Option) (*Servers, error) {
	s := &Servers{OpenAICredential: newCredential("demo-openai-"), MCPCredential: newCredential("demo-mcp-"),
		closed: make(chan struct{})}
	s.mcp = newMCP(s.MCPCredential, opts...)
	openAIAddr, err := s.serve(ctx, NewOpenAI(s.OpenAICredential, opts...))
	if err != nil {
		return nil, err
	}
	mcpAddr, err := s.serve(ctx, s.mcp)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	s.OpenAIURL = "http://" + openAIAddr + "/v1"
	s.MCPURL = "http://" + mcpAddr + "/mcp"
	s.stop = context.AfterFunc(ctx, func() { _ = s.Close() })
	return s, nil
}

// serve starts h on a free loopback port and returns the listener's address.
func (s *Servers) serve(ctx context.Context, h http.Handler) (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("devmode: listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		_ = srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return ln.Addr().String(), nil
}

// Close ends the MCP sessions, closes both servers and their connections at
// once (open streams are cut), and waits for them to stop. It is safe to call
// more than once and from several goroutines; later calls return the first
// call's result.
func (s *Servers) Close() error {
	s.once.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		s.mcp.closeSessions()
		var errs []error
		for _, srv := range s.servers {
			errs = append(errs, srv.Close())
		}
		s.done.Wait()
		s.err = errors.Join(errs...)
		close(s.closed)
	})
	return s.err
}

// newCredential returns prefix followed by 130 random bits in base32.
func newCredential(prefix string) string {
	return prefix + rand.Text()
}
