package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpgoRun is what one mcp-go client session did: the tools it listed and
// the text of an echo, or the first failure with what names it (its
// JSON-RPC code or HTTP status), so that runs against different URLs
// compare.
type mcpgoRun struct {
	tools []string
	echo  string
	fail  string
}

var errCode = regexp.MustCompile(`-32\d\d\d|\b[45]\d\d\b`)

// runMCPGo runs the mcp-go streamable HTTP client against url with the
// given bearer token: initialize (mcp-go probes 2026-07-28 server/discover
// first), tools/list, and tools/call echo.
func runMCPGo(t testing.TB, url, tok string, legacy bool) mcpgoRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var opts []mcpclient.ClientOption
	if legacy {
		opts = append(opts, mcpclient.WithLegacyProtocolOnly())
	}
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + tok}))
	must(t, err)
	c := mcpclient.NewClient(tr, opts...)
	defer c.Close()
	failed := func(step string, err error) mcpgoRun {
		return mcpgoRun{fail: step + " " + strings.Join(errCode.FindAllString(err.Error(), -1), ",")}
	}
	if err := c.Start(ctx); err != nil {
		return failed("start", err)
	}
	init := mcpgo.InitializeRequest{}
	init.Params.ClientInfo = mcpgo.Implementation{Name: "mcp-go-test", Version: "1.0.0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		return failed("initialize", err)
	}
	lt, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		return failed("tools/list", err)
	}
	var run mcpgoRun
	for _, tl := range lt.Tools {
		run.tools = append(run.tools, tl.Name)
	}
	slices.Sort(run.tools)
	call := mcpgo.CallToolRequest{}
	call.Params.Name, call.Params.Arguments = "echo", map[string]any{"text": "héllo"}
	res, err := c.CallTool(ctx, call)
	if err != nil {
		return failed("tools/call", err)
	}
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(mcpgo.TextContent); ok {
			run.echo = tc.Text
		}
	}
	return run
}

// TestMCPGoClientThroughGateway: mcp-go as a second client, against
// stateful and stateless go-sdk upstreams, by 2026-07-28 discovery and by
// the legacy handshake. Through the gateway it does exactly what it does
// against the upstream directly (LESSONS: the gateway relays server/discover
// unchanged and never invents a version), except that the tool list is
// filtered by the policy.
func TestMCPGoClientThroughGateway(t *testing.T) {
	ups := map[string]func(func(*http.Request) *sdk.Server) http.Handler{
		"stateful": func(g func(*http.Request) *sdk.Server) http.Handler { return sdk.NewStreamableHTTPHandler(g, nil) },
		"stateless": func(g func(*http.Request) *sdk.Server) http.Handler {
			return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{Stateless: true})
		},
	}
	for name, h := range ups {
		for _, legacy := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/legacy=%v", name, legacy), func(t *testing.T) {
				e := newMCPEnv(t, mopt{})
				up := newMCPUpstream(t, h)
				e.addMCP(up.URL)
				e.policy(t, "", nil, []string{"delete_*"})
				direct := runMCPGo(t, up.URL, upstreamSecret, legacy)
				via := runMCPGo(t, e.url+"/up", e.secret, legacy)
				if direct.fail == "" {
					direct.tools = slices.DeleteFunc(direct.tools, func(s string) bool { return s == "delete_repo" })
				}
				t.Logf("through the gateway: %+v", via)
				if fmt.Sprint(via) != fmt.Sprint(direct) {
					t.Fatalf("through the gateway %+v, directly %+v", via, direct)
				}
				if name == "stateless" && (via.fail != "" || via.echo != "héllo") {
					t.Fatalf("mcp-go against a stateless upstream: %+v", via)
				}
				if legacy && via.fail != "" {
					t.Fatalf("mcp-go by the legacy handshake: %+v", via)
				}
			})
		}
	}
}

// TestMCPGoSSEClientThroughGateway: mcp-go's 2024-11-05 HTTP+SSE client
// through the gateway to a go-sdk SSE upstream: the endpoint event is
// rewritten so that its POSTs come back through the gateway, the tool list
// is filtered on the GET stream, and a denied call's JSON-RPC error arrives
// on the stream, where this transport carries responses.
func TestMCPGoSSEClientThroughGateway(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := newMCPUpstream(t, revisions[0].handler)
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr, err := transport.NewSSE(e.url+"/up/", transport.WithHeaders(map[string]string{"Authorization": "Bearer " + e.secret}))
	must(t, err)
	c := mcpclient.NewClient(tr)
	defer c.Close()
	must(t, c.Start(ctx))
	init := mcpgo.InitializeRequest{}
	init.Params.ClientInfo = mcpgo.Implementation{Name: "mcp-go-sse", Version: "1.0.0"}
	_, err = c.Initialize(ctx, init)
	must(t, err)
	lt, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
	must(t, err)
	var names []string
	for _, tl := range lt.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"echo", "fail", "slow"}) {
		t.Fatalf("tools/list = %v", names)
	}
	call := mcpgo.CallToolRequest{}
	call.Params.Name, call.Params.Arguments = "echo", map[string]any{"text": "héllo"}
	res, err := c.CallTool(ctx, call)
	must(t, err)
	if tc, ok := res.Content[0].(mcpgo.TextContent); !ok || tc.Text != "héllo" {
		t.Fatalf("echo = %+v", res.Content)
	}
	call.Params.Name = "delete_repo"
	if _, err := c.CallTool(ctx, call); err == nil || !strings.Contains(err.Error(), "denied by policy") {
		t.Fatalf("denied call: %v", err)
	}
	if _, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "again"}}}); err != nil {
		t.Fatalf("the session did not survive the denial: %v", err)
	}
}
