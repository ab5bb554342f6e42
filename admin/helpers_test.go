package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// env is one admin API over a real embedded store, served on loopback.
type env struct {
	draining atomic.Bool
	t        *testing.T
	srv      *httptest.Server
	store    *embedded.Store // nil on Redis
	backend  Backend
	clock    atomic.Int64 // fake time, Unix nanoseconds
	op       string       // the operator token
	reg      *prometheus.Registry

	mu     sync.Mutex
	log    []exchange     // every response body, to check where secrets appear
	alerts []notify.Event // every alert the API raised
}

type exchange struct {
	method, path string
	status       int
	body         string
}

// clock is a fixed fake clock, so expiry tests do not depend on the real time.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newEnv(t *testing.T) *env { return newEnvWith(t, "embedded", nil) }

// backends are the stores every teams test runs against.
var backends = []string{"embedded", "redis"}

// newEnvWith serves the admin API over a real store of the named backend
// (a redis-server of its own for "redis"), with a fake clock that starts at
// testNow and moves only by advance, and mailer (nil: no SMTP).
func newEnvWith(t *testing.T, backend string, mailer Mailer) *env {
	t.Helper()
	op, err := token.New(token.Operator, token.OperatorWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, op: op, reg: prometheus.NewRegistry()}
	e.clock.Store(testNow.UnixNano())
	var st Backend
	switch backend {
	case "embedded":
		es, err := embedded.Open(t.TempDir(), embedded.Options{Clock: e.now})
		if err != nil {
			t.Fatal(err)
		}
		e.store, st = es, es
	case "redis":
		srv := redistest.Start(t)
		// A loaded CI machine must not turn store calls into timeouts.
		rs, err := redisstore.New(context.Background(), redisstore.Options{URL: srv.URL(), Now: e.now, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		st = rs
	}
	e.backend = st
	h := New(Deps{Store: st, OperatorHash: token.HashOf([]byte(op)), Registry: e.reg,
		Clock: e.now, Draining: e.draining.Load, Mailer: mailer, Logger: slog.New(slog.NewTextHandler(tlog{t}, nil)), PublicURL: "https://admin.example.test",
		Alerter: alertFunc(e.recordAlert)})
	e.srv = httptest.NewServer(h)
	t.Cleanup(func() { e.srv.Close(); st.Close() })
	return e
}

// tlog writes log lines into the test's output.
type tlog struct{ t *testing.T }

func (l tlog) Write(b []byte) (int, error) { l.t.Log(strings.TrimSpace(string(b))); return len(b), nil }

func (e *env) now() time.Time { return time.Unix(0, e.clock.Load()).UTC() }

// advance moves the fake clock forward by d.
func (e *env) advance(d time.Duration) { e.clock.Add(int64(d)) }

// do sends a request with the operator token and returns status and body.
func (e *env) do(method, path string, body any) (int, []byte) {
	return e.doAuth(method, path, body, "Bearer "+e.op)
}

func (e *env) doAuth(method, path string, body any, auth string) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	e.log = append(e.log, exchange{method, path, resp.StatusCode, string(out)})
	e.mu.Unlock()
	return resp.StatusCode, out
}

// must sends a request, requires the status and decodes the body into out.
func (e *env) must(want int, method, path string, body, out any) {
	e.t.Helper()
	status, b := e.do(method, path, body)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// apiErr is the error body.
type apiErr struct {
	Error struct{ Code, Message string } `json:"error"`
}

// mustFail sends a request and requires the status, code and message parts.
func (e *env) mustFail(status int, code, method, path string, body any, msg ...string) {
	e.t.Helper()
	got, b := e.do(method, path, body)
	var ae apiErr
	if err := json.Unmarshal(b, &ae); err != nil {
		e.t.Fatalf("%s %s: error body %q is not JSON: %v", method, path, b, err)
	}
	if got != status || ae.Error.Code != code {
		e.t.Fatalf("%s %s: got %d %s, want %d %s: %s", method, path, got, ae.Error.Code, status, code, b)
	}
	for _, m := range msg {
		if !strings.Contains(ae.Error.Message, m) {
			e.t.Errorf("%s %s: message %q does not contain %q", method, path, ae.Error.Message, m)
		}
	}
}

// workspace creates a team workspace owned by owner-<name>@example.com and
// returns its id.
func (e *env) workspace(name string) string {
	e.t.Helper()
	return e.owned(name).Workspace.ID
}

// owned creates a team workspace and returns it with its owner and token.
func (e *env) owned(name string) ownedWorkspaceResponse {
	e.t.Helper()
	var out ownedWorkspaceResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces",
		map[string]any{"name": name, "owner_email": "owner-" + strings.ToLower(strings.ReplaceAll(name, " ", "-")) + "@example.com"}, &out)
	return out
}

// responsesContaining returns the exchanges whose body contains s.
func (e *env) responsesContaining(s string) []exchange {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []exchange
	for _, x := range e.log {
		if strings.Contains(x.body, s) {
			out = append(out, x)
		}
	}
	return out
}

var _ store.Store = (*embedded.Store)(nil)

func stringContains(s, sub string) bool { return strings.Contains(s, sub) }
