package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
	"github.com/valyala/fasthttp"
)

// Admitter makes the admission decision for one request. The limiter's
// wrapper around a store satisfies it; it never fails: a store failure
// becomes Outcome Unavailable, or a degraded allow when the operator chose
// to fail open. r's strings alias the gateway's buffers and are valid only
// during the call.
type Admitter interface {
	Admit(ctx context.Context, r *limiter.Request, d *limiter.Decision)
}

// Meter records each admitted request; *meter.Meter satisfies it. The
// event's strings alias request buffers and are valid only during the call.
type Meter interface {
	Record(e *meter.Event)
}

// Upstreams reads an upstream's configuration and the workspace's upstream
// revision. store.Store satisfies it.
type Upstreams interface {
	GetUpstream(ctx context.Context, workspace, name string) (*store.Upstream, int64, error)
	// UpstreamNames lists a workspace's upstream names with its revision;
	// the gateway polls it for store.PublicWorkspace (see public.go).
	UpstreamNames(ctx context.Context, workspace string) ([]string, int64, error)
}

var _ Upstreams = store.Store(nil)

// Config is the data plane's configuration. Zero fields take the defaults
// documented on each.
type Config struct {
	MaxBodyBytes        int           // largest request body; larger gets 413. Default 32 MiB.
	MaxHeaderBytes      int           // largest request head (line and headers); larger gets 431. Default 64 KiB.
	ConnectTimeout      time.Duration // connecting to an upstream; past it 502. Default 10 s.
	FirstByteTimeout    time.Duration // waiting for response headers after sending; past it 504. Default 10 min.
	IdleTimeout         time.Duration // longest gap between two reads of an upstream body. Default 5 min.
	MaxConnsPerUpstream int           // connections per upstream host; default 1024.
	ClientReadTimeout   time.Duration // reading one client request, head and body. Default 60 s.
	ClientIdleTimeout   time.Duration // an idle keep-alive client connection is closed after it. Default 120 s.
	// PublicRefresh is how often the snapshot of the operator's public
	// upstreams is re-read: a public upstream added or deleted reaches this
	// replica's admission within it (plus one store call). Default 2 s.
	PublicRefresh time.Duration
	// DrainTimeout and DrainBytes bound how long and how much of an LLM
	// response the gateway reads on after its client went away, to settle
	// the usage the upstream bills (see drain.go). Defaults 2 min and
	// 64 MiB. The time is checked between reads, each of which
	// IdleTimeout bounds.
	DrainTimeout time.Duration
	DrainBytes   int64
	// MCPAllowedOrigins are the browser origins (scheme://host[:port], or
	// "*") that may reach MCP upstreams; a request with another Origin
	// header gets 403, one without an Origin passes (see mcp.CheckOrigin).
	// Empty allows no browser origin.
	MCPAllowedOrigins []string
	// MCPStreamIdleTimeout is the longest silence on an MCP GET stream,
	// which may rightly be silent for hours; 0, the default, means none
	// (IdleTimeout does not apply to them).
	MCPStreamIdleTimeout time.Duration
	// StreamRecheck is how often each open MCP stream's token is re-read
	// from the store, the backstop for a lost revocation message (see
	// revoke.go). Default 5 s.
	StreamRecheck time.Duration
}

// Validate reports the first field that cannot be used.
func (c Config) Validate() error {
	switch {
	case c.MaxBodyBytes < 0:
		return fmt.Errorf("gateway: MaxBodyBytes is negative (%d)", c.MaxBodyBytes)
	case c.MaxHeaderBytes < 0:
		return fmt.Errorf("gateway: MaxHeaderBytes is negative (%d)", c.MaxHeaderBytes)
	case c.ConnectTimeout < 0:
		return fmt.Errorf("gateway: ConnectTimeout is negative (%s)", c.ConnectTimeout)
	case c.FirstByteTimeout < 0:
		return fmt.Errorf("gateway: FirstByteTimeout is negative (%s)", c.FirstByteTimeout)
	case c.IdleTimeout < 0:
		return fmt.Errorf("gateway: IdleTimeout is negative (%s)", c.IdleTimeout)
	case c.ClientReadTimeout < 0:
		return fmt.Errorf("gateway: ClientReadTimeout is negative (%s)", c.ClientReadTimeout)
	case c.ClientIdleTimeout < 0:
		return fmt.Errorf("gateway: ClientIdleTimeout is negative (%s)", c.ClientIdleTimeout)
	case c.PublicRefresh < 0:
		return fmt.Errorf("gateway: PublicRefresh is negative (%s)", c.PublicRefresh)
	case c.MaxConnsPerUpstream < 0:
		return fmt.Errorf("gateway: MaxConnsPerUpstream is negative (%d)", c.MaxConnsPerUpstream)
	case c.DrainTimeout < 0:
		return fmt.Errorf("gateway: DrainTimeout is negative (%s)", c.DrainTimeout)
	case c.DrainBytes < 0:
		return fmt.Errorf("gateway: DrainBytes is negative (%d)", c.DrainBytes)
	case c.MCPStreamIdleTimeout < 0:
		return fmt.Errorf("gateway: MCPStreamIdleTimeout is negative (%s)", c.MCPStreamIdleTimeout)
	case c.StreamRecheck < 0:
		return fmt.Errorf("gateway: StreamRecheck is negative (%s)", c.StreamRecheck)
	}
	for _, o := range c.MCPAllowedOrigins {
		if err := validOrigin(o); err != nil {
			return err
		}
	}
	return nil
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.ConnectTimeout, 10*time.Second)
	def(&c.FirstByteTimeout, 10*time.Minute)
	def(&c.IdleTimeout, 5*time.Minute)
	def(&c.ClientReadTimeout, time.Minute)
	def(&c.ClientIdleTimeout, 2*time.Minute)
	def(&c.PublicRefresh, 2*time.Second)
	def(&c.DrainTimeout, 2*time.Minute)
	def(&c.StreamRecheck, 5*time.Second)
	if c.DrainBytes == 0 {
		c.DrainBytes = 64 << 20
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 32 << 20
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.MaxConnsPerUpstream == 0 {
		c.MaxConnsPerUpstream = 1024
	}
	return c
}

// Deps are the gateway's collaborators. Admitter and Upstreams are required;
// nil Metrics records nothing and nil Logger discards.
type Deps struct {
	Admitter  Admitter
	Upstreams Upstreams
	Metrics   *metrics.Metrics
	Meter     Meter // nil records no usage
	// Settler takes every admitted request's settlement (usage, cost and
	// audit record); nil turns metering off: no request id, no hold, no
	// settlement. Prices gives the price table; nil prices nothing.
	Settler Settler
	Prices  PriceBook
	Logger  *slog.Logger
	// Now is the clock of latencies, settlement times and drain bounds;
	// nil means time.Now.
	Now func() time.Time
	// Dial connects to an upstream address (host:port); nil dials TCP. It
	// lets tests and benchmarks use in-memory listeners.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Policies reads MCP tool policies; nil applies none (every tool is
	// allowed). Tokens feeds revocations and re-checks the tokens of open
	// MCP streams; nil closes no stream on revocation. A store.Store
	// satisfies both.
	Policies PolicyReader
	Tokens   TokenWatch
}

// Gateway is the data plane. Create it with New; it is safe for concurrent use.
type Gateway struct {
	cfg     Config
	adm     Admitter
	ups     Upstreams
	met     *metrics.Metrics
	meter   Meter
	log     *slog.Logger
	routes  routeCache
	public  publicUpstreams
	conns   connSet // upstream connections
	clients connSet // client connections accepted by Serve
	srv     *fasthttp.Server
	none    *metrics.Upstream
	dialer  func(ctx context.Context, network, addr string) (net.Conn, error)

	settler       Settler
	prices        PriceBook
	ids           *requestIDs
	now           func() time.Time
	drains        inflight // bodies read on after their client left
	unpricedSeen  sync.Map // model → struct{}: logged once (settle.go)
	unpricedCount atomic.Int64

	polStore PolicyReader
	policies policyCache
	streams  streamSet  // open MCP streams, closed on revocation (revoke.go)
	sessions sessionSet // 2024-11-05 HTTP+SSE sessions (mcp_session.go)
	watch    watcher    // the revocation feed and the backstop (revoke.go)
}

// New returns a gateway. It panics if cfg does not Validate or a required
// dependency is nil: both are programming errors caught at startup.
func New(cfg Config, deps Deps) *Gateway {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if deps.Admitter == nil || deps.Upstreams == nil {
		panic(errors.New("gateway: Deps.Admitter and Deps.Upstreams are required"))
	}
	g := &Gateway{
		cfg: cfg.withDefaults(), adm: deps.Admitter, ups: deps.Upstreams,
		met: deps.Metrics, meter: deps.Meter, log: deps.Logger,
		routes:  routeCache{m: make(map[string]*route)},
		settler: deps.Settler, prices: deps.Prices, ids: newRequestIDs(), now: deps.Now,
		polStore: deps.Policies, policies: policyCache{m: make(map[string]*policySet)},
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.dialer = deps.Dial
	if g.dialer == nil {
		g.dialer = (&net.Dialer{}).DialContext
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	g.none = g.met.Upstream(metrics.NoUpstream)
	g.srv = g.newServer()
	g.startPublic()
	g.startWatch(deps.Tokens)
	return g
}

// Handler returns the data plane's request handler.
func (g *Gateway) Handler() fasthttp.RequestHandler { return g.handle }

// state is the per-request scratch space, pooled so the request path does
// not allocate for the admission request, its decision or the upstream URI.
type state struct {
	req   limiter.Request
	dec   limiter.Decision
	ev    meter.Event
	uri   []byte
	model []byte // the request's model when its JSON string had escapes
	scan  bodyScan
	named string    // the model the body names, valid name or not: what is priced
	rid   []byte    // the request id
	body  []byte    // the request body rewritten with include_usage (metering.go)
	tk    ticket    // the settlement's facts, until the response body takes them
	mc    mcpReq    // what an MCP request's body holds (mcp.go)
	start time.Time // when the request arrived, on the gateway's clock
}

var statePool = sync.Pool{New: func() any { return new(state) }}

// handle serves one request and records its metrics.
func (g *Gateway) handle(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	st := statePool.Get().(*state)
	um, waited := g.serve(ctx, st)
	st.req, st.ev, st.tk, st.scan, st.named = limiter.Request{}, meter.Event{}, ticket{}, bodyScan{}, ""
	st.mc.reset()
	st.dec.Clear()
	statePool.Put(st)
	um.Count(ctx.Response.StatusCode())
	g.met.ObserveOverhead(time.Since(start) - waited)
}

// serve runs the request path described in the package doc. It returns the
// metrics of the upstream the request was counted against and how long it
// waited for the upstream.
func (g *Gateway) serve(ctx *fasthttp.RequestCtx, st *state) (*metrics.Upstream, time.Duration) {
	start := g.now()
	st.start = start
	if g.preflight(ctx) { // CORS: no credential to check (origin.go)
		return g.none, 0
	}
	name, rest, tok, p, f := g.check(ctx)
	if f != failNone {
		g.fail(ctx, f, nil)
		return g.none, 0
	}
	model, ok := requestModel(&ctx.Request, st)
	if !ok {
		g.fail(ctx, failAmbiguousModel, nil)
		return g.none, 0
	}
	pub := g.public.cur.Load()
	st.req = limiter.Request{Workspace: alias(p.Workspace), TokenHash: token.HashOf(tok),
		Upstream: alias(name), Public: pub.has(name), Model: model}
	g.peekMCP(ctx, st, p.Workspace, name, pub)
	if f, detail := g.meterRequest(ctx, st, rest); f != failNone {
		g.failWith(ctx, f, nil, detail)
		return g.none, 0
	}
	// Not ctx: fasthttp cancels it when shutdown begins, which would turn a
	// request still being served into a store failure. Stores bound their
	// own latency.
	g.adm.Admit(context.Background(), &st.req, &st.dec)
	if st.dec.Outcome != limiter.Allowed {
		if st.dec.CapNotice && g.settler != nil {
			g.settler.CapReached(st.req.Workspace, &st.dec, st.named)
		}
		g.fail(ctx, failureOf(st.dec.Outcome), &st.dec)
		return g.none, 0
	}
	g.admitted(ctx, st, name, rest, model, start)
	rt, err := g.routeFor(p.Workspace, name, pub, st)
	if err != nil {
		g.log.Warn("gateway: upstream configuration unavailable", "err", err)
		g.fail(ctx, storeFailure(err), nil)
		g.settleNow(st, ctx.Response.StatusCode(), nil, endGateway)
		return g.none, 0
	}
	var waited time.Duration
	if rt.mcp {
		waited = g.serveMCP(ctx, rt, name, rest, st)
	} else {
		waited = g.proxy(ctx, rt, rest, st)
	}
	if g.meter != nil {
		st.ev = meter.Event{Workspace: st.req.Workspace, TokenID: st.dec.TokenID, MemberID: st.dec.MemberID,
			Upstream: st.req.Upstream, Status: ctx.Response.StatusCode()}
		g.meter.Record(&st.ev)
	}
	return rt.metrics, waited
}

// check runs the checks that need no store: body size, a well-formed
// gateway token, a route without dot segments. It returns the route's
// upstream name and rest, the token and its parsed form, or the failure.
func (g *Gateway) check(ctx *fasthttp.RequestCtx) (name, rest, tok []byte, p token.Parsed, f failure) {
	if len(ctx.Request.Body()) > g.cfg.MaxBodyBytes {
		return nil, nil, nil, p, failTooLarge
	}
	tok = credential(&ctx.Request.Header)
	if len(tok) == 0 {
		return nil, nil, nil, p, failMissingToken
	}
	p, err := token.Parse(tok)
	if err != nil {
		return nil, nil, nil, p, failInvalidToken
	}
	if p.Kind != token.Member && p.Kind != token.Key { // operator tokens, invitation codes
		return nil, nil, nil, p, failNotGatewayToken
	}
	name, rest, ok := parseRoute(ctx.Request.Header.RequestURI())
	if !ok {
		return nil, nil, nil, p, failNoRoute
	}
	if !cleanRest(rest) {
		return nil, nil, nil, p, failBadPath
	}
	return name, rest, tok, p, failNone
}

// routeFor returns the route the decision chose: the public workspace's at
// the snapshot's revision when d.Public, else the workspace's own. Degraded
// decisions cannot tell, so a public name is routed publicly unless this
// replica knows a private upstream of that name.
func (g *Gateway) routeFor(ws, name []byte, pub *publicSet, st *state) (*route, error) {
	d := &st.dec
	public := d.Public || (d.Degraded && st.req.Public && !g.routes.has(ws, name))
	if public {
		rev := pub.rev
		if d.Degraded {
			rev = -1
		}
		return g.route(context.Background(), publicWS, name, rev)
	}
	return g.route(context.Background(), ws, name, d.UpstreamRev)
}

// alias returns b as a string without copying. The result is valid only
// while b is; limiter.Request documents that its fields are borrowed.
func alias(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Serve accepts connections on ln until Shutdown. It returns nil after a
// Shutdown, or the listener's error.
func (g *Gateway) Serve(ln net.Listener) error { return g.srv.Serve(ln) }

// Shutdown stops accepting connections and waits for in-flight requests and
// streams to finish, and for responses still read after their client left
// (drain.go). When ctx ends first, it cuts every remaining client and
// upstream connection, waits for the requests so cut to be settled, and
// returns ctx's error. Every admitted request has been handed to the
// Settler when it returns, so the Settler can be closed next.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.stopPublic()
	g.stopWatch()
	g.streams.closeGets()
	err := g.srv.ShutdownWithContext(ctx)
	if err == nil {
		select {
		case <-g.drains.idle():
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		g.clients.closeAll()
		g.conns.closeAll()
		// Reads and writes on cut connections fail at once; wait for their
		// requests to unwind, so that each has handed its settlement to the
		// Settler before the caller closes it. The bound only guards
		// against a handler that ignores a closed connection.
		unwound := time.NewTimer(cutUnwind)
		select {
		case <-g.clients.live.idle():
		case <-unwound.C:
			g.log.Warn("gateway: connections still serving after being cut", "bound", cutUnwind)
		}
		unwound.Stop()
		<-g.drains.idle()
	}
	return err
}

// cutUnwind bounds how long Shutdown waits, after cutting connections at
// its deadline, for their requests to finish and submit their settlements.
const cutUnwind = 5 * time.Second
