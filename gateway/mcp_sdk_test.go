package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// revision is one MCP transport revision the go-sdk speaks, with the
// upstream handler that serves it.
type revision struct {
	name    string
	version string
	sse     bool // the 2024-11-05 HTTP+SSE transport
	session bool // the upstream keeps a session (DELETE ends it)
	handler func(func(*http.Request) *sdk.Server) http.Handler
}

var revisions = []revision{
	{name: "2024-11-05", version: "2024-11-05", sse: true, handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewSSEHandler(g, nil)
	}},
	{name: "2025-03-26", version: "2025-03-26", session: true, handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, nil)
	}},
	{name: "2025-06-18", version: "2025-06-18", session: true, handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, nil)
	}},
	{name: "2025-11-25-resumable", version: "2025-11-25", session: true, handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{EventStore: sdk.NewMemoryEventStore(nil)})
	}},
	{name: "2025-11-25-json", version: "2025-11-25", session: true, handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{JSONResponse: true})
	}},
	{name: "2026-07-28-stateless", version: "2026-07-28", handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{Stateless: true})
	}},
}

// progressLog records the progress notifications a client saw, in order,
// and acknowledges each to the upstream's slow tool.
type progressLog struct {
	mu  sync.Mutex
	got []float64
	ack chan struct{}
}

func (p *progressLog) handler(ctx context.Context, req *sdk.ProgressNotificationClientRequest) {
	p.mu.Lock()
	p.got = append(p.got, req.Params.Progress)
	p.mu.Unlock()
	select {
	case p.ack <- struct{}{}:
	case <-ctx.Done():
	}
}

func (p *progressLog) values() []float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]float64(nil), p.got...)
}

// connect opens a go-sdk client session through the gateway to "up" for
// revision rv, with the gateway token tok.
func connect(t testing.TB, ctx context.Context, gw, tok string, rv revision, progress *progressLog) *sdk.ClientSession {
	t.Helper()
	var tr sdk.Transport = &sdk.StreamableClientTransport{Endpoint: gw + "/up", HTTPClient: httpClient(tok)}
	if rv.sse {
		tr = &sdk.SSEClientTransport{Endpoint: gw + "/up/", HTTPClient: httpClient(tok)}
	}
	opts := &sdk.ClientOptions{}
	if progress != nil {
		opts.ProgressNotificationHandler = progress.handler
	}
	c := sdk.NewClient(&sdk.Implementation{Name: "test-client", Version: "1.0.0"}, opts)
	cs, err := c.Connect(ctx, tr, &sdk.ClientSessionOptions{ProtocolVersion: rv.version})
	if err != nil {
		t.Fatalf("connect through the gateway: %v", err)
	}
	return cs
}

// toolNames returns the names of a tools/list result, sorted.
func toolNames(r *sdk.ListToolsResult) []string {
	var names []string
	for _, tl := range r.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	return names
}

// TestGoSDKThroughGatewayEveryRevision: the go-sdk as client and as
// upstream server, through the gateway, for every revision it speaks:
// initialize, a tools/list filtered by the policy, an allowed call, a
// denied call answered with the policy's name, progress notifications that
// reach the client while the call runs (the tool waits for each to be seen:
// any buffering would hang it), and session termination. The upstream only
// ever sees its own credential.
func TestGoSDKThroughGatewayEveryRevision(t *testing.T) {
	for _, rv := range revisions {
		t.Run(rv.name, func(t *testing.T) {
			e := newMCPEnv(t, mopt{})
			up := newMCPUpstream(t, rv.handler)
			e.addMCP(up.URL)
			e.policy(t, "", nil, []string{"delete_*"})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			progress := &progressLog{ack: up.ack}
			cs := connect(t, ctx, e.url, e.secret, rv, progress)

			lt, err := cs.ListTools(ctx, nil)
			must(t, err)
			want := []string{"echo", "fail", "slow"}
			if got := toolNames(lt); !slices.Equal(got, want) {
				t.Fatalf("tools/list = %v, want %v", got, want)
			}
			res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "héllo"}})
			must(t, err)
			if txt := res.Content[0].(*sdk.TextContent).Text; txt != "héllo" || res.IsError {
				t.Fatalf("echo = %q (isError %v)", txt, res.IsError)
			}
			_, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: "delete_repo", Arguments: map[string]any{"text": "x"}})
			if err == nil || !strings.Contains(err.Error(), `denied by policy`) || !strings.Contains(err.Error(), `up (workspace)`) {
				t.Fatalf("denied call: err = %v, want a JSON-RPC error naming the policy", err)
			}
			p := &sdk.CallToolParams{Name: "slow", Arguments: map[string]any{"text": "x"}}
			p.SetProgressToken("tok-1")
			res, err = cs.CallTool(ctx, p)
			must(t, err)
			if got := progress.values(); !slices.Equal(got, []float64{1, 2, 3}) {
				t.Fatalf("progress = %v, want [1 2 3] in order", got)
			}
			must(t, cs.Close())
			methods, bad := up.seen()
			if bad != 0 || up.anyHeader("Authorization", e.secret) {
				t.Fatalf("the upstream saw %d requests without its credential (or the client's token)", bad)
			}
			if rv.session {
				waitUntil(t, "the session's DELETE", func() bool {
					methods, _ = up.seen()
					return slices.Contains(methods, http.MethodDelete)
				})
			}
		})
	}
}

// TestExpiredSessionIs404AndClientReinitializes: an upstream that forgot a
// session answers 404, which reaches the client unchanged (agentgateway
// #3622 turned it into a 5xx), so the client knows to initialize again,
// and the new session works.
func TestExpiredSessionIs404AndClientReinitializes(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	rv := revisions[2] // 2025-06-18, stateful
	up := newMCPUpstream(t, rv.handler)
	e.addMCP(up.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := connect(t, ctx, e.url, e.secret, rv, nil)
	for ss := range up.sdk.Sessions() {
		must(t, ss.Close()) // the upstream expires the session
	}
	_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}})
	if !errors.Is(err, sdk.ErrSessionMissing) {
		t.Fatalf("call on an expired session: err = %v, want ErrSessionMissing (a 404)", err)
	}
	_ = cs.Close()
	cs = connect(t, ctx, e.url, e.secret, rv, nil)
	defer cs.Close()
	if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}}); err != nil {
		t.Fatalf("call after re-initializing: %v", err)
	}
}
