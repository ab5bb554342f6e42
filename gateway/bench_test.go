package gateway_test

import (
	"bytes"
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// BenchmarkHotPath measures one admitted request end to end: client →
// gateway (token parse, route, real limiter over the embedded store, cached
// upstream) → in-memory upstream → back. Client, gateway and upstream share
// the process, so allocs/op include fasthttp's client and server on both
// sides, not only the gateway's.
func BenchmarkHotPath(b *testing.B) {
	ctx := context.Background()
	s, err := embedded.Open(b.TempDir(), embedded.Options{})
	must(b, err)
	defer s.Close()
	ws := token.NewID()
	must(b, s.CreateWorkspace(ctx, &store.Workspace{ID: ws, Name: "bench"}))
	must(b, s.SetLimits(ctx, ws, store.Limits{}))
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: "b@example.com", Role: "member", Status: store.MemberActive}
	must(b, s.PutMember(ctx, m))
	secret, rec, err := store.NewToken(token.Member, ws, m.ID, "b", time.Now())
	must(b, err)
	must(b, s.CreateToken(ctx, rec))
	must(b, s.PutUpstream(ctx, &store.Upstream{WorkspaceID: ws, Name: "llm", BaseURL: "http://upstream.test", Credential: "sk"}))

	upLn := fasthttputil.NewInmemoryListener()
	up := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		c.Response.Header.SetContentType("application/json")
		c.SetBodyString(`{"id":"x","object":"chat.completion"}`)
	}}
	go func() { _ = up.Serve(upLn) }()
	defer up.Shutdown()

	met := metrics.New(prometheus.NewRegistry())
	g := gateway.New(gateway.Config{}, gateway.Deps{
		Admitter:  limiter.New(s, limiter.Options{Observer: met}),
		Upstreams: s,
		Metrics:   met,
		Dial:      func(context.Context, string, string) (net.Conn, error) { return upLn.Dial() },
	})
	gwLn := fasthttputil.NewInmemoryListener()
	go func() { _ = g.Serve(gwLn) }()
	defer g.Shutdown(ctx)

	c := &fasthttp.HostClient{Addr: "gateway.test", Dial: func(string) (net.Conn, error) { return gwLn.Dial() }}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://gateway.test/llm/v1/chat/completions")
	req.Header.SetMethod("POST")
	req.Header.Set("Authorization", "Bearer "+secret)
	req.SetBodyString(`{"model":"gpt","messages":[]}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
			b.Fatalf("status %d err %v: %s", resp.StatusCode(), err, resp.Body())
		}
	}
}

// BenchmarkRefusedToken measures a malformed token's 401, which must stay
// cheap: it is what a flood of garbage costs.
func BenchmarkRefusedToken(b *testing.B) {
	s, err := embedded.Open(b.TempDir(), embedded.Options{})
	must(b, err)
	defer s.Close()
	g := gateway.New(gateway.Config{}, gateway.Deps{Admitter: limiter.New(s, limiter.Options{}), Upstreams: s})
	h := g.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/llm/v1/chat")
	ctx.Request.Header.Set("Authorization", "Bearer mwt_garbage")
	b.ReportAllocs()
	for b.Loop() {
		h(&ctx)
		if ctx.Response.StatusCode() != 401 {
			b.Fatal(ctx.Response.StatusCode())
		}
	}
}

// benchChatJSON is the upstream's answer in the metering benchmarks: a
// chat completion with usage, as a real provider sends it.
const benchChatJSON = `{"id":"c1","object":"chat.completion","created":1,"model":"gpt-bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how can I help?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":8,"total_tokens":33}}`

// Metering modes of the benchmarks.
const (
	meterOff     = iota // no Settler: admission alone
	meterOn             // every request settled in the store
	meterDiscard        // settlements computed and queued, then dropped: the data plane's own share
)

// benchEnv is a gateway on in-memory listeners over a real store (embedded,
// or Redis when backend is "redis"), with an upstream answering every
// request with answer (as SSE when sse).
type benchEnv struct {
	c       *fasthttp.HostClient
	secret  string
	settler *meter.Settler
}

func newBenchEnv(b *testing.B, backend string, mode int, answer []byte, sse bool) *benchEnv {
	ctx := context.Background()
	s := benchStore(b, backend)
	e := &benchEnv{}
	ws := token.NewID()
	must(b, s.CreateWorkspace(ctx, &store.Workspace{ID: ws, Name: "bench"}))
	must(b, s.SetLimits(ctx, ws, store.Limits{}))
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: "b@example.com", Role: "member", Status: store.MemberActive}
	must(b, s.PutMember(ctx, m))
	secret, rec, err := store.NewToken(token.Member, ws, m.ID, "b", time.Now())
	must(b, err)
	must(b, s.CreateToken(ctx, rec))
	e.secret = secret
	must(b, s.PutUpstream(ctx, &store.Upstream{WorkspaceID: ws, Name: "llm", BaseURL: "http://upstream.test", Credential: "sk"}))
	_, err = s.AddCredits(ctx, ws, &store.Transaction{Kind: store.TxTopUp, Amount: 1 << 50, Actor: "operator"})
	must(b, err)

	upLn := fasthttputil.NewInmemoryListener()
	up := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		if sse {
			c.Response.Header.SetContentType("text/event-stream")
			c.Response.SetBodyStream(bytes.NewReader(answer), -1)
			return
		}
		c.Response.Header.SetContentType("application/json")
		c.SetBody(answer)
	}}
	go func() { _ = up.Serve(upLn) }()
	b.Cleanup(func() { _ = up.Shutdown() })

	met := metrics.New(prometheus.NewRegistry())
	deps := gateway.Deps{Admitter: limiter.New(s, limiter.Options{Observer: met}), Upstreams: s, Metrics: met,
		Dial: func(context.Context, string, string) (net.Conn, error) { return upLn.Dial() }}
	if mode != meterOff {
		cfg, err := config.Parse("bench.yaml", []byte("pricing:\n  models:\n    gpt-bench: {input: 2, output: 8}\n"))
		must(b, err)
		book, err := meter.NewBook(cfg.Pricing)
		must(b, err)
		var st meter.SettleStore = s
		if mode == meterDiscard {
			st = meter.SettleFunc(func(context.Context, *store.Settlement, *store.SettleResult) error { return nil })
		}
		e.settler = meter.NewSettler(st, meter.SettlerOptions{Observer: met})
		deps.Settler, deps.Prices = e.settler, book
	}
	g := gateway.New(gateway.Config{}, deps)
	gwLn := fasthttputil.NewInmemoryListener()
	go func() { _ = g.Serve(gwLn) }()
	b.Cleanup(func() { _ = g.Shutdown(ctx) })
	e.c = &fasthttp.HostClient{Addr: "gateway.test", Dial: func(string) (net.Conn, error) { return gwLn.Dial() }, MaxConns: 1024}
	return e
}

// benchStore opens a store of the backend for one benchmark.
func benchStore(b *testing.B, backend string) interface {
	store.Store
	store.Money
} {
	if backend == "redis" {
		rds := redistest.Start(b)
		s, err := redisstore.New(context.Background(), redisstore.Options{URL: rds.URL(), Timeout: time.Second})
		must(b, err)
		b.Cleanup(func() { _ = s.Close() })
		return s
	}
	s, err := embedded.Open(b.TempDir(), embedded.Options{})
	must(b, err)
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// run sends b.N requests with body from parallel clients and reports the
// process CPU time per request (cpu-ns/op), settlements included: the
// Settler is drained inside the measurement.
func (e *benchEnv) run(b *testing.B, body string, check func(*fasthttp.Response)) {
	e.runPath(b, "http://gateway.test/llm/v1/chat/completions", body, check)
}

// runPath is run with the request URI uri.
func (e *benchEnv) runPath(b *testing.B, uri, body string, check func(*fasthttp.Response)) {
	b.ReportAllocs()
	b.SetParallelism(4)
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(uri)
		req.Header.SetMethod("POST")
		req.Header.Set("Authorization", "Bearer "+e.secret)
		req.SetBodyString(body)
		for pb.Next() {
			if err := e.c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Errorf("status %d err %v: %s", resp.StatusCode(), err, resp.Body())
				return
			}
			if check != nil {
				check(resp)
			}
		}
	})
	if e.settler != nil {
		must(b, e.settler.Close(context.Background()))
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAdmissionSettlement compares the CPU per request of admission
// alone (metering off) with admission, usage parsing and settlement
// (metering on, every request settled in the store) on the same JSON
// answer, on each store; "discard" drops the settlements after the
// Settler took them, isolating the data plane's own share. The issue's
// target: metered ≤ 1.3× the CPU of unmetered (compare cpu-ns/op). Client,
// upstream and, on the embedded store, the store share the process, so
// every figure includes their CPU too.
func BenchmarkAdmissionSettlement(b *testing.B) {
	body := `{"model":"gpt-bench","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`
	modes := []struct {
		name string
		mode int
	}{{"admission", meterOff}, {"admission+settlement", meterOn}, {"admission+metering-discard", meterDiscard}}
	for _, backend := range []string{"embedded", "redis"} {
		for _, m := range modes {
			b.Run(backend+"/"+m.name, func(b *testing.B) {
				newBenchEnv(b, backend, m.mode, []byte(benchChatJSON), false).run(b, body, nil)
			})
		}
	}
}

// benchSSE is an OpenAI chat stream of about 200 events with usage in the
// last chunk, as the upstream sends it when include_usage is set.
func benchSSE() []byte {
	var buf bytes.Buffer
	chunk := func(choices, usage string) {
		buf.WriteString(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-bench","choices":` + choices + usage + "}\n\n")
	}
	for range 200 {
		chunk(`[{"index":0,"delta":{"content":"word "},"finish_reason":null}]`, `,"usage":null`)
	}
	chunk(`[{"index":0,"delta":{},"finish_reason":"stop"}]`, `,"usage":null`)
	chunk(`[]`, `,"usage":{"prompt_tokens":25,"completion_tokens":200,"total_tokens":225}`)
	buf.WriteString("data: [DONE]\n\n")
	return buf.Bytes()
}

// BenchmarkStreamUsage measures a ~200-event SSE response through the
// gateway: unmetered, metered in pass-through (the client asked for usage:
// the parser only observes, no copy) and metered in strip mode (the
// gateway asked for usage and removes it). Settlements are dropped after
// the Settler took them, so the figures are the data plane's. Bytes are
// the stream's.
func BenchmarkStreamUsage(b *testing.B) {
	stream := benchSSE()
	cases := []struct {
		name string
		mode int
		body string
	}{
		{"unmetered", meterOff, `{"model":"gpt-bench","stream":true,"stream_options":{"include_usage":true},"messages":[]}`},
		{"pass-through", meterDiscard, `{"model":"gpt-bench","stream":true,"stream_options":{"include_usage":true},"messages":[]}`},
		{"strip", meterDiscard, `{"model":"gpt-bench","stream":true,"messages":[]}`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			newBenchEnv(b, "embedded", c.mode, stream, true).run(b, c.body, func(r *fasthttp.Response) {
				if len(r.Body()) < len(stream)/2 {
					b.Errorf("short stream: %d bytes", len(r.Body()))
				}
			})
		})
	}
}
