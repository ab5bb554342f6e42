package gateway_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

// upstreamSecret is the credential the gateway injects; it must never reach a client.
const upstreamSecret = "sk-upstream-secret-0123456789"

// env is a real embedded store with one workspace, one member and its token,
// the real limiter in front of it, and a gateway serving on loopback TCP.
type env struct {
	t        testing.TB
	ctx      context.Context
	s        *embedded.Store
	ws       string
	member   *store.Member
	secret   string // the member's token
	admits   atomic.Int64
	gets     atomic.Int64
	reg      *prometheus.Registry
	gw       *gateway.Gateway
	url      string // http://127.0.0.1:port
	served   chan error
	shutdown sync.Once
}

func newEnv(t testing.TB, cfg gateway.Config, l store.Limits) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), reg: prometheus.NewRegistry(), served: make(chan error, 1)}
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	must(t, err)
	e.s = s
	t.Cleanup(func() { _ = s.Close() })
	e.ws = token.NewID()
	must(t, s.CreateWorkspace(e.ctx, &store.Workspace{ID: e.ws, Name: "acme", CreatedAt: time.Now()}))
	must(t, s.SetLimits(e.ctx, e.ws, l))
	e.member = &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: "a@example.com", Role: "member", Status: store.MemberActive}
	must(t, s.PutMember(e.ctx, e.member))
	e.secret = e.newToken(token.Member, nil)

	m := metrics.New(e.reg)
	// Counting decorators around the real store: they observe, never decide.
	counted := limiter.AdmitFunc(func(ctx context.Context, r *limiter.Request, d *limiter.Decision) error {
		e.admits.Add(1)
		return s.Admit(ctx, r, d)
	})
	lim := limiter.New(counted, limiter.Options{Observer: m, BreakerFailures: 1000})
	e.gw = gateway.New(cfg, gateway.Deps{Admitter: lim, Upstreams: countingUpstreams{s, &e.gets}, Metrics: m})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	e.url = "http://" + ln.Addr().String()
	go func() { e.served <- e.gw.Serve(ln) }()
	t.Cleanup(func() { e.stop() })
	return e
}

// stop shuts the gateway down, cutting whatever is left, and waits for Serve.
func (e *env) stop() {
	e.shutdown.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = e.gw.Shutdown(ctx)
		<-e.served
	})
}

type countingUpstreams struct {
	s *embedded.Store
	n *atomic.Int64
}

func (c countingUpstreams) GetUpstream(ctx context.Context, ws, name string) (*store.Upstream, int64, error) {
	c.n.Add(1)
	return c.s.GetUpstream(ctx, ws, name)
}

func (c countingUpstreams) UpstreamNames(ctx context.Context, ws string) ([]string, int64, error) {
	return c.s.UpstreamNames(ctx, ws)
}

// newToken stores a token of kind k for e.member, changed by edit, and returns its secret.
func (e *env) newToken(k token.Kind, edit func(*store.Token)) string {
	e.t.Helper()
	secret, rec, err := store.NewToken(k, e.ws, e.member.ID, "t", time.Now())
	must(e.t, err)
	if edit != nil {
		edit(rec)
	}
	must(e.t, e.s.CreateToken(e.ctx, rec))
	return secret
}

// addUpstream registers an upstream called name at baseURL.
func (e *env) addUpstream(name, baseURL string, edit func(*store.Upstream)) {
	e.t.Helper()
	u := &store.Upstream{WorkspaceID: e.ws, Name: name, BaseURL: baseURL, Kind: store.KindLLM, Credential: upstreamSecret}
	if edit != nil {
		edit(u)
	}
	must(e.t, e.s.PutUpstream(e.ctx, u))
}

// do sends a request through the gateway with the member's token.
func (e *env) do(method, path string, body string, hdr ...string) *http.Response {
	e.t.Helper()
	return e.doWith(method, path, body, append([]string{"Authorization", "Bearer " + e.secret}, hdr...)...)
}

// doWith sends a request through the gateway with exactly the headers hdr (name, value pairs).
func (e *env) doWith(method, path string, body string, hdr ...string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	must(e.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header[hdr[i]] = append(req.Header[hdr[i]], hdr[i+1])
	}
	resp, err := client.Do(req)
	must(e.t, err)
	e.t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

var client = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func readAll(t testing.TB, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	must(t, err)
	return string(b)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recorder is a loopback upstream that records the last request it received.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	last *http.Request
	body string
	n    atomic.Int64
}

func newRecorder(t testing.TB, h http.HandlerFunc) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.last, rec.body = r, string(b)
		rec.mu.Unlock()
		rec.n.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) request() (*http.Request, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, r.body
}
