package gateway_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// benchToolResult is an MCP server's answer to a tools/call with a small
// JSON result.
const benchToolResult = `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"the weather is fine"}],"isError":false}}`

// newMCPBenchEnv is a gateway on in-memory listeners over the embedded
// store with an MCP upstream "up" that answers every request with answer,
// as SSE when sse (a progress notification, then the result), with tool
// prices and a workspace tool policy; settlements are dropped after the
// Settler took them, so the figures are the data plane's.
func newMCPBenchEnv(b *testing.B, sse bool) *benchEnv {
	ctx := context.Background()
	s := benchStore(b, "embedded")
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
	must(b, s.PutUpstream(ctx, &store.Upstream{WorkspaceID: ws, Name: "up", BaseURL: "http://upstream.test",
		Kind: store.KindMCP, Credential: "sk"}))
	must(b, s.PutToolPolicy(ctx, &store.ToolPolicy{WorkspaceID: ws, Upstream: "up", Deny: []string{"delete_*"}}))
	_, err = s.AddCredits(ctx, ws, &store.Transaction{Kind: store.TxTopUp, Amount: 1 << 50, Actor: "operator"})
	must(b, err)
	answer := []byte(benchToolResult)
	if sse {
		answer = []byte("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"p\",\"progress\":1}}\n\n" +
			"event: message\ndata: " + benchToolResult + "\n\n")
	}
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
	cfg, err := config.Parse("bench.yaml", []byte("pricing:\n  tools:\n    up: {default: 0.01}\n"))
	must(b, err)
	book, err := meter.NewBook(cfg.Pricing)
	must(b, err)
	e.settler = meter.NewSettler(meter.SettleFunc(func(context.Context, *store.Settlement, *store.SettleResult) error { return nil }),
		meter.SettlerOptions{Observer: met})
	g := gateway.New(gateway.Config{}, gateway.Deps{Admitter: limiter.New(s, limiter.Options{Observer: met}), Upstreams: s,
		Metrics: met, Settler: e.settler, Prices: book, Policies: s, Tokens: s,
		Dial: func(context.Context, string, string) (net.Conn, error) { return upLn.Dial() }})
	gwLn := fasthttputil.NewInmemoryListener()
	go func() { _ = g.Serve(gwLn) }()
	b.Cleanup(func() { _ = g.Shutdown(ctx) })
	e.c = &fasthttp.HostClient{Addr: "gateway.test", Dial: func(string) (net.Conn, error) { return gwLn.Dial() }, MaxConns: 1024}
	return e
}

// BenchmarkMCPToolCall measures one metered tools/call through the gateway
// (inspection, the tool policy, the tool's price held at admission, the
// answer watched for the call's outcome, one settlement), with a small JSON
// answer and with an SSE answer; compare cpu-ns/op with
// BenchmarkAdmissionSettlement/embedded/admission+metering-discard, the
// plain LLM proxy with metering. Client, upstream and store share the
// process, so the figures include their CPU.
func BenchmarkMCPToolCall(b *testing.B) {
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"Paris"}}}`
	for _, sse := range []bool{false, true} {
		name := "json"
		if sse {
			name = "sse"
		}
		b.Run(name, func(b *testing.B) {
			e := newMCPBenchEnv(b, sse)
			e.runPath(b, "http://gateway.test/up/mcp", body, func(r *fasthttp.Response) {
				if !bytes.Contains(r.Body(), []byte("the weather is fine")) {
					b.Errorf("answer lost: %s", r.Body())
				}
			})
		})
	}
}
