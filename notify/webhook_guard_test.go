package notify

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCheckWebhookURL: registration refuses URLs that cannot be receivers or point at the host, and says why.
func TestCheckWebhookURL(t *testing.T) {
	tests := []struct {
		url      string
		loopback bool
		says     string // "" when allowed
	}{
		{"https://hooks.example.com/tollgate", false, ""},
		{"http://10.1.2.3:8080/hook", false, ""}, // private ranges stay allowed
		{"https://[fd12::1]/x", false, ""},
		{"http://127.0.0.1:9/x", true, ""},
		{"http://localhost:9/x", true, ""},
		{"ftp://example.com/x", false, `scheme must be https or http, got "ftp"`},
		{"/relative", false, "scheme must be https or http"},
		{"https://user:pw@example.com/", false, "user:password in the URL is not allowed"},
		{"https:///path", false, "no host"},
		{"http://127.0.0.1/x", false, "127.0.0.1 is a loopback address"},
		{"http://[::1]/x", false, "::1 is a loopback address"},
		{"http://[::ffff:127.0.0.1]/x", false, "loopback"},
		{"http://localhost./x", false, `host "localhost" is loopback`},
		{"http://api.localhost/x", false, "is loopback"},
		{"http://169.254.169.254/latest/meta-data", true, "link-local"},
		{"http://[fd00:ec2::254]/", true, "cloud metadata service"},
		{"http://0.0.0.0/", false, "unspecified"},
		{"http://%zz/", false, "not a valid URL"},
	}
	for _, tc := range tests {
		err := CheckWebhookURL(tc.url, tc.loopback)
		switch {
		case tc.says == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.url, err)
		case tc.says != "" && (!errors.Is(err, ErrWebhookURL) || !strings.Contains(err.Error(), tc.says)):
			t.Errorf("%s: got %v, want an error saying %q", tc.url, err, tc.says)
		}
	}
}

// TestCheckWebhookURLNeverQuotesTheQuery: a token in the query must not reach an error message or a log.
func TestCheckWebhookURLNeverQuotesTheQuery(t *testing.T) {
	err := CheckWebhookURL("http://127.0.0.1/hook?token=s3cr3t", false)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("got %v", err)
	}
}

// TestDialGuardRefusesLoopbackAtConnect: the check is on the address dialled, so no name or redirect can slip past it.
func TestDialGuardRefusesLoopbackAtConnect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	guarded := newWebhookClient(DispatcherConfig{Timeout: DefaultWebhookTimeout})
	_, err := guarded.Get(srv.URL)
	if !errors.Is(err, ErrWebhookURL) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("got %v, want the loopback refusal", err)
	}
	open := newWebhookClient(DispatcherConfig{Timeout: DefaultWebhookTimeout, AllowLoopback: true})
	resp, err := open.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("receiver hit %d times, want once (by the unguarded client)", hits.Load())
	}
}

// TestRedirectsAreNotFollowed: a receiver must not bounce a signed delivery to another address.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var followed atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Store(true) }))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	resp, err := newWebhookClient(DispatcherConfig{Timeout: DefaultWebhookTimeout, AllowLoopback: true}).Post(srv.URL, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if r := classify(resp); followed.Load() || r.retry || !strings.Contains(r.err, "307 Temporary Redirect; redirects are not followed") {
		t.Fatalf("followed %v, result %+v", followed.Load(), r)
	}
}
