package gateway_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// gzipLLM is a loopback upstream that answers an OpenAI chat completion
// with usage, gzip-compressed when the request accepts gzip (as real
// upstreams do), and records each request's Accept-Encoding by path.
type gzipLLM struct {
	*httptest.Server
	mu       sync.Mutex
	accepted map[string]string
}

func newGzipLLM(t testing.TB) *gzipLLM {
	u := &gzipLLM{accepted: map[string]string{}}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.accepted[r.URL.Path] = r.Header.Get("Accept-Encoding")
		u.mu.Unlock()
		body := `{"id":"c1","object":"chat.completion","model":"gpt-test","choices":[],"usage":` + openAIUsage + `}`
		w.Header().Set("Content-Type", "application/json")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = io.WriteString(w, body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		z := gzip.NewWriter(w)
		_, _ = io.WriteString(z, body)
		_ = z.Close()
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *gzipLLM) acceptedOn(path string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.accepted[path]
}

// TestCompressionNotAskedOnMeteredRoutes checks that a client accepting
// gzip does not turn the usage of a metered answer into unreadable bytes
// (charged the estimate instead of the usage): the gateway asks the
// upstream for identity on routes whose usage it reads, and the request is
// charged its exact usage. A route whose usage is not read keeps the
// client's Accept-Encoding.
func TestCompressionNotAskedOnMeteredRoutes(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		e := open(t, mopts{credits: hundred})
		up := newGzipLLM(t)
		e.addUpstream("openai", up.URL)
		req, err := http.NewRequest("POST", e.url+chatPath, strings.NewReader(`{"model":"gpt-test","max_tokens":10,"messages":[]}`))
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+e.secret)
		req.Header.Set("Accept-Encoding", "gzip, br")
		resp, err := client.Do(req)
		must(t, err)
		body := readAll(t, resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !strings.Contains(body, `"usage":`+openAIUsage) {
			t.Fatalf("status %d, Content-Encoding %q, body %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), body)
		}
		if got := up.acceptedOn("/v1/chat/completions"); got != "identity" {
			t.Fatalf("upstream got Accept-Encoding %q, want identity", got)
		}
		rec := e.settled(1)[0]
		if want := e.cost("gpt-test", openAITokens); rec.Cost != want || rec.Tokens != openAITokens {
			t.Fatalf("record %+v, want the usage's cost %d", rec, want)
		}
		req, err = http.NewRequest("GET", e.url+"/openai/v1/models", nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+e.secret)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err = client.Do(req)
		must(t, err)
		_ = readAll(t, resp.Body)
		if got := up.acceptedOn("/v1/models"); got != "gzip" || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("unmetered route: upstream got Accept-Encoding %q, client got Content-Encoding %q; want gzip both", got, resp.Header.Get("Content-Encoding"))
		}
	})
}
