package gateway_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// mcpPricing prices the tools of the MCP upstream "up" in credits per call.
const mcpPricing = `pricing:
  unknown_model: refuse
  models:
    gpt-test: {input: 2, output: 8}
  tools:
    up: {default: 0.01, tools: {echo: 0.02, slow: 0.03}}
`

// Prices of mcpPricing, in µc.
const (
	priceEcho    = 20_000
	priceSlow    = 30_000
	priceDefault = 10_000
)

// mopt configures an MCP environment.
type mopt struct {
	backend string // "embedded" (default) or "redis"
	cfg     gateway.Config
	noFeed  bool // no revocation feed: only the re-check closes streams
	// watch, when set, wraps the store's TokenWatch the gateway is given.
	watch func(gateway.TokenWatch) gateway.TokenWatch
}

// mcpEnv is a gateway with metering over a real store, an MCP upstream
// named "up", and a member whose token the MCP clients use.
type mcpEnv struct {
	*menv
	tokenID string
}

// newMCPEnv starts the environment; the store's tool policies and
// revocation feed are wired when it has them.
func newMCPEnv(t testing.TB, o mopt) *mcpEnv {
	t.Helper()
	if o.backend == "" {
		o.backend = "embedded"
	}
	if o.cfg.StreamRecheck == 0 {
		o.cfg.StreamRecheck = 100 * time.Millisecond // clients that left are noticed soon
	}
	e := &menv{t: t, ctx: context.Background(), reg: prometheus.NewRegistry(), served: make(chan error, 1),
		subs: &submissions{n: map[string]int{}}, alerts: &alertSink{}}
	e.s = e.openStore(o.backend, mopts{})
	e.ws = token.NewID()
	must(t, e.s.CreateWorkspace(e.ctx, &store.Workspace{ID: e.ws, Name: "acme", CreatedAt: time.Now()}))
	e.member = &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: "a@example.com", Role: "member", Status: store.MemberActive}
	must(t, e.s.PutMember(e.ctx, e.member))
	secret, rec, err := store.NewToken(token.Member, e.ws, e.member.ID, "t", time.Now())
	must(t, err)
	must(t, e.s.CreateToken(e.ctx, rec))
	e.secret = secret
	_, err = e.s.AddCredits(e.ctx, e.ws, &store.Transaction{Kind: store.TxTopUp, Amount: 100 * store.MicroPerCredit, Actor: "operator"})
	must(t, err)
	cfg, err := config.Parse("test.yaml", []byte(mcpPricing))
	must(t, err)
	e.book, err = meter.NewBook(cfg.Pricing)
	must(t, err)
	m := metrics.New(e.reg)
	e.settler = meter.NewSettler(e.s, meter.SettlerOptions{Workers: 8, MinBackoff: time.Millisecond,
		MaxBackoff: 20 * time.Millisecond, Observer: m})
	e.subs.next = e.settler
	lim := limiter.New(e.s, limiter.Options{Observer: m, BreakerFailures: 1000})
	deps := gateway.Deps{Admitter: lim, Upstreams: e.s, Metrics: m, Settler: e.subs, Prices: e.book,
		Policies: e.s, Tokens: e.s}
	if o.noFeed {
		deps.Tokens = noFeed{e.s}
	}
	if o.watch != nil {
		deps.Tokens = o.watch(deps.Tokens)
	}
	e.gw = gateway.New(o.cfg, deps)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	e.url = "http://" + ln.Addr().String()
	go func() { e.served <- e.gw.Serve(ln) }()
	t.Cleanup(e.stop)
	return &mcpEnv{menv: e, tokenID: rec.ID}
}

// noFeed is a TokenWatch whose revocation feed never delivers: it leaves
// the backstop re-check alone to close streams.
type noFeed struct{ gateway.TokenWatch }

func (noFeed) Revocations(ctx context.Context) (<-chan store.Revocation, error) {
	return make(chan store.Revocation), nil
}

// addMCP registers the MCP upstream "up" at baseURL.
func (e *mcpEnv) addMCP(baseURL string) {
	e.t.Helper()
	must(e.t, e.s.PutUpstream(e.ctx, &store.Upstream{WorkspaceID: e.ws, Name: "up", BaseURL: baseURL,
		Kind: store.KindMCP, Credential: upstreamSecret}))
}

// policy stores a tool policy of "up".
func (e *mcpEnv) policy(t testing.TB, scope string, allow, deny []string) {
	t.Helper()
	must(t, e.s.PutToolPolicy(e.ctx, &store.ToolPolicy{WorkspaceID: e.ws, Upstream: "up", Scope: scope,
		Allow: allow, Deny: deny, UpdatedAt: time.Now()}))
}

// httpClient is an HTTP client sending the gateway token tok.
func httpClient(tok string) *http.Client {
	return &http.Client{Transport: bearer{tok: tok, next: &http.Transport{DisableCompression: true}}}
}

// bearer adds the gateway token to every request, as an MCP client
// configured with a static header does.
type bearer struct {
	tok  string
	next http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.next.RoundTrip(r)
}

// mcpUpstream is a go-sdk MCP server on loopback behind a check that only
// the upstream credential arrives (never the client's gateway token). It
// records the methods and MCP headers it received.
type mcpUpstream struct {
	*httptest.Server
	sdk *sdk.Server
	ack chan struct{} // the "slow" tool waits on it after each progress notification

	mu       sync.Mutex
	methods  []string // HTTP method and path of each request
	badCreds int
	headers  []http.Header
}

// newMCPUpstream starts an upstream serving the go-sdk server through
// handler (NewStreamableHTTPHandler or NewSSEHandler).
func newMCPUpstream(t testing.TB, handler func(func(*http.Request) *sdk.Server) http.Handler) *mcpUpstream {
	t.Helper()
	u := &mcpUpstream{ack: make(chan struct{})}
	u.sdk = toolServer(u.ack)
	h := handler(func(*http.Request) *sdk.Server { return u.sdk })
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.methods = append(u.methods, r.Method)
		u.headers = append(u.headers, r.Header.Clone())
		if r.Header.Get("Authorization") != "Bearer "+upstreamSecret {
			u.badCreds++
			u.mu.Unlock()
			http.Error(w, "bad upstream credential", http.StatusUnauthorized)
			return
		}
		u.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// seen returns the HTTP methods received and how many requests came
// without the upstream credential.
func (u *mcpUpstream) seen() ([]string, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.methods...), u.badCreds
}

// anyHeader reports whether any request carried header name with a value
// containing sub.
func (u *mcpUpstream) anyHeader(name, sub string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, h := range u.headers {
		for _, v := range h.Values(name) {
			if strings.Contains(v, sub) {
				return true
			}
		}
	}
	return false
}

// toolServer returns a go-sdk server with the tools the tests call: echo,
// delete_repo, fail (a tool error), and slow, which sends three progress
// notifications and after each waits on ack, which the client's progress
// handler feeds: the call can only finish if every notification reached
// the client while the call was still running.
func toolServer(ack chan struct{}) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "up", Version: "1.0.0"}, nil)
	type in struct {
		Text string `json:"text"`
	}
	text := func(s string) *sdk.CallToolResult {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: s}}}
	}
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "Echo the text"}, func(_ context.Context, _ *sdk.CallToolRequest, a in) (*sdk.CallToolResult, any, error) {
		return text(a.Text), nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "delete_repo", Description: "Delete a repository"}, func(context.Context, *sdk.CallToolRequest, in) (*sdk.CallToolResult, any, error) {
		return text("deleted"), nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "fail", Description: "Always fails"}, func(context.Context, *sdk.CallToolRequest, in) (*sdk.CallToolResult, any, error) {
		r := text("it failed")
		r.IsError = true
		return r, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "slow", Description: "Reports progress"}, func(ctx context.Context, req *sdk.CallToolRequest, _ in) (*sdk.CallToolResult, any, error) {
		for i := range 3 {
			err := req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{
				ProgressToken: req.Params.GetProgressToken(), Progress: float64(i + 1), Total: 3, Message: "step"})
			if err != nil {
				return nil, nil, err
			}
			select {
			case <-ack:
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		return text("done"), nil, nil
	})
	return s
}
