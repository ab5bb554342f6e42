package gateway_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// moneyStore is a store with the money methods (both backends).
type moneyStore interface {
	store.Store
	store.Money
}

// testPricing is the price table of the metering tests, in credits per 1M tokens.
const testPricing = `pricing:
  unknown_model: refuse
  default_output_tokens: 1000
  models:
    gpt-test: {input: 2, output: 8, cached_read: 1}
    claude-test: {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75}
`

// mopts configure a metering environment.
type mopts struct {
	credits   int64 // µc added to the workspace at start
	limits    store.Limits
	cfg       gateway.Config
	failOpen  limiter.FailOpen
	timeout   time.Duration // Redis call timeout; 0: 2 s
	noPricing bool          // no price table: metering off
	pricing   string        // the config's pricing section; "" is testPricing
	now       func() time.Time
}

// menv is a gateway with metering on over a real store (embedded or Redis):
// the real limiter, price book and Settler, and a counting decorator in
// front of the Settler that observes every submission.
type menv struct {
	t       testing.TB
	ctx     context.Context
	s       moneyStore
	rds     *redistest.Server // nil on the embedded store
	ws      string
	member  *store.Member
	secret  string
	reg     *prometheus.Registry
	book    *meter.Book
	settler *meter.Settler
	subs    *submissions
	alerts  *alertSink
	gw      *gateway.Gateway
	url     string
	served  chan error
	stopped sync.Once
}

// backends runs f once per store backend.
func backends(t *testing.T, f func(t *testing.T, open func(testing.TB, mopts) *menv)) {
	t.Run("embedded", func(t *testing.T) { f(t, func(t testing.TB, o mopts) *menv { return newMenv(t, "embedded", o) }) })
	t.Run("redis", func(t *testing.T) { f(t, func(t testing.TB, o mopts) *menv { return newMenv(t, "redis", o) }) })
}

func newMenv(t testing.TB, backend string, o mopts) *menv {
	t.Helper()
	e := &menv{t: t, ctx: context.Background(), reg: prometheus.NewRegistry(), served: make(chan error, 1),
		subs: &submissions{n: map[string]int{}}, alerts: &alertSink{}}
	e.s = e.openStore(backend, o)
	e.ws = token.NewID()
	must(t, e.s.CreateWorkspace(e.ctx, &store.Workspace{ID: e.ws, Name: "acme", CreatedAt: time.Now()}))
	must(t, e.s.SetLimits(e.ctx, e.ws, o.limits))
	e.member = &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: "a@example.com", Role: "member", Status: store.MemberActive}
	must(t, e.s.PutMember(e.ctx, e.member))
	e.secret = e.newToken(token.Member)
	if o.credits > 0 {
		_, err := e.s.AddCredits(e.ctx, e.ws, &store.Transaction{Kind: store.TxTopUp, Amount: o.credits, Actor: "operator"})
		must(t, err)
	}
	var section *config.PricingConfig
	if !o.noPricing {
		src := testPricing
		if o.pricing != "" {
			src = o.pricing
		}
		cfg, err := config.Parse("test.yaml", []byte(src))
		must(t, err)
		section = cfg.Pricing
	}
	var err error
	e.book, err = meter.NewBook(section)
	must(t, err)
	m := metrics.New(e.reg)
	e.settler = meter.NewSettler(e.s, meter.SettlerOptions{Workers: 8, MinBackoff: time.Millisecond,
		MaxBackoff: 20 * time.Millisecond, Observer: m, Alerter: e.alerts, Workspaces: e.s})
	e.subs.next = e.settler
	lim := limiter.New(e.s, limiter.Options{Observer: m, BreakerFailures: 1000, FailOpen: o.failOpen})
	e.gw = gateway.New(o.cfg, gateway.Deps{Admitter: lim, Upstreams: e.s, Metrics: m, Settler: e.subs, Prices: e.book, Now: o.now})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	e.url = "http://" + ln.Addr().String()
	go func() { e.served <- e.gw.Serve(ln) }()
	t.Cleanup(e.stop)
	return e
}

func (e *menv) openStore(backend string, o mopts) moneyStore {
	if backend == "embedded" {
		s, err := embedded.Open(e.t.TempDir(), embedded.Options{})
		must(e.t, err)
		e.t.Cleanup(func() { _ = s.Close() })
		return s
	}
	e.rds = redistest.Start(e.t)
	timeout := o.timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	s, err := redisstore.New(e.ctx, redisstore.Options{URL: e.rds.URL(), Timeout: timeout})
	must(e.t, err)
	e.t.Cleanup(func() { _ = s.Close() })
	return s
}

// stop shuts the gateway down gracefully, then drains the Settler.
func (e *menv) stop() {
	e.stopped.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.gw.Shutdown(ctx)
		<-e.served
		_ = e.settler.Close(ctx)
	})
}

func (e *menv) newToken(k token.Kind) string {
	e.t.Helper()
	secret, rec, err := store.NewToken(k, e.ws, e.member.ID, "t", time.Now())
	must(e.t, err)
	must(e.t, e.s.CreateToken(e.ctx, rec))
	return secret
}

// addUpstream registers an upstream called name at baseURL.
func (e *menv) addUpstream(name, baseURL string) {
	e.t.Helper()
	must(e.t, e.s.PutUpstream(e.ctx, &store.Upstream{WorkspaceID: e.ws, Name: name, BaseURL: baseURL,
		Kind: store.KindLLM, Credential: upstreamSecret}))
}

// post sends a JSON body through the gateway with the member's token.
func (e *menv) post(path, body string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.url+path, strings.NewReader(body))
	must(e.t, err)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	must(e.t, err)
	e.t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// credits returns the workspace's balance and held credits.
func (e *menv) credits() store.Credits {
	e.t.Helper()
	c, err := e.s.Credits(e.ctx, e.ws)
	must(e.t, err)
	return c
}

// settled waits until the audit trail holds n requests and the Settler has
// nothing pending (its Settle calls returned), and returns the records,
// newest first.
func (e *menv) settled(n int) []store.RequestRecord {
	e.t.Helper()
	var recs []store.RequestRecord
	waitUntil(e.t, "settlements", func() bool {
		var err error
		recs, _, err = e.s.Requests(e.ctx, e.ws, store.RequestQuery{Limit: 1000})
		must(e.t, err)
		return len(recs) >= n && e.settler.Pending() == 0
	})
	if len(recs) != n {
		e.t.Fatalf("settled %d requests, want %d", len(recs), n)
	}
	return recs
}

// cost is what tokens of model cost under the test table.
func (e *menv) cost(model string, t store.Tokens) int64 {
	e.t.Helper()
	p, ok := e.book.Load().Price(model)
	if !ok {
		e.t.Fatalf("model %s has no price", model)
	}
	return meter.Cost(p, meter.Tokens(t))
}

// estimate is what admission holds for a body of model.
func (e *menv) estimate(model, body string, maxTokens int64) int64 {
	e.t.Helper()
	est, ok := e.book.Load().Estimate(model, len(body), maxTokens, 1)
	if !ok {
		e.t.Fatalf("model %s refused", model)
	}
	return est.Credits
}

// counter returns the value of the series of family name with the given
// label values (name=value pairs), 0 when absent.
func (e *menv) counter(name string, labels ...string) float64 {
	e.t.Helper()
	fams, err := e.reg.Gather()
	must(e.t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					found = found || (lp.GetName() == labels[i] && lp.GetValue() == labels[i+1])
				}
				if !found {
					continue next
				}
			}
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return 0
}

// submissions counts the settlements submitted per request id before
// passing them to the real Settler: it observes, never decides.
type submissions struct {
	mu   sync.Mutex
	n    map[string]int
	next *meter.Settler
}

func (s *submissions) Submit(x *store.Settlement, ended time.Time) {
	s.mu.Lock()
	s.n[x.RequestID]++
	s.mu.Unlock()
	s.next.Submit(x, ended)
}

func (s *submissions) CapReached(ws string, d *limiter.Decision, model string) {
	s.next.CapReached(ws, d, model)
}

// counts returns a copy of the submissions per request id.
func (s *submissions) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.n))
	for k, v := range s.n {
		out[k] = v
	}
	return out
}

// alertSink receives the alerts raised, as a webhook receiver would.
type alertSink struct {
	mu  sync.Mutex
	got []notify.Event
}

func (a *alertSink) Raise(_ context.Context, ev notify.Event) {
	a.mu.Lock()
	a.got = append(a.got, ev)
	a.mu.Unlock()
}

func (a *alertSink) events() []notify.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]notify.Event(nil), a.got...)
}

// waitUntil polls cond until it holds or a generous deadline passes.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond) // polling a condition, not waiting for time to pass
	}
}

// storeQuery asks for the newest limit audit records.
func storeQuery(limit int) store.RequestQuery { return store.RequestQuery{Limit: limit} }

// counterCount returns the sample count of the histogram series of family
// name with the given label (name, value), 0 when absent.
func (e *menv) counterCount(name, label, value string) uint64 {
	e.t.Helper()
	fams, err := e.reg.Gather()
	must(e.t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}
