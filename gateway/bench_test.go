package gateway_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
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
