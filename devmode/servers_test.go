package devmode

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// TestStartServesBothUpstreams checks that Start's URLs and credentials work
// with the official SDKs, and that Close stops both listeners.
func TestStartServesBothUpstreams(t *testing.T) {
	s, err := Start(context.Background(), WithClock(fixedClock))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if !strings.HasPrefix(s.OpenAIURL, "http://127.0.0.1:") || !strings.HasSuffix(s.OpenAIURL, "/v1") {
		t.Errorf("OpenAIURL = %q, want http://127.0.0.1:PORT/v1", s.OpenAIURL)
	}
	if s.OpenAICredential == "" || s.MCPCredential == "" || s.OpenAICredential == s.MCPCredential {
		t.Error("credentials are empty or shared")
	}

	client := openai.NewClient(option.WithBaseURL(s.OpenAIURL), option.WithAPIKey(s.OpenAICredential), option.WithMaxRetries(0))
	resp, err := client.Chat.Completions.New(context.Background(), demoParams())
	if err != nil || resp.Usage.TotalTokens == 0 {
		t.Fatalf("chat completion: %v, usage %+v", err, resp)
	}
	cs, err := connectMCP(t, s.MCPURL, s.MCPCredential)
	if err != nil {
		t.Fatalf("MCP connect: %v", err)
	}
	// Close with the session and its standalone GET stream still open.
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	_ = cs.Close()
	for _, u := range []string{s.OpenAIURL, s.MCPURL} {
		if dialable(u) {
			t.Errorf("%s still accepts connections after Close", u)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestStartStopsWhenContextEnds checks that cancelling Start's context shuts
// the servers down without a Close call.
func TestStartStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	cancel()
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("servers not closed 10s after the context ended")
	}
	if dialable(s.OpenAIURL) || dialable(s.MCPURL) {
		t.Error("servers still listening after the context ended")
	}
}

// dialable reports whether the host of rawURL accepts a TCP connection.
func dialable(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
