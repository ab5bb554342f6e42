package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgate-dev/tollgate/internal/redistest"
)

// mcpPricingYAML prices the tools of the MCP upstream "up", in credits per
// call: echo 0.02, any other 0.01.
const mcpPricingYAML = `pricing:
  unknown_model: refuse
  models:
    flat: {input: 1, output: 2}
  tools:
    up: {default: 0.01, tools: {echo: 0.02}}
`

// mcpTenant is a workspace with credits, an MCP upstream "up" and a member.
type mcpTenant struct {
	ws, memberID, tokenID, token string
}

// seedMCP creates an mcpTenant through p's admin API.
func seedMCP(t *testing.T, p *proc, upstreamURL string) mcpTenant {
	t.Helper()
	n := tenantSeq.Add(1)
	var created struct{ Workspace struct{ ID string } }
	p.adminDo(t, "POST", "/v1/workspaces", map[string]any{"name": fmt.Sprintf("mcp-%d", n),
		"owner_email": fmt.Sprintf("owner%d@example.com", n)}, &created)
	ws := created.Workspace.ID
	base := "/v1/workspaces/" + ws
	p.adminDo(t, "PUT", base+"/limits", map[string]any{"member_rpm": 1_000_000, "key_rpm": 1_000_000, "workspace_rpm": 1_000_000}, nil)
	p.adminDo(t, "POST", base+"/upstreams", map[string]any{"name": "up", "base_url": upstreamURL, "kind": "mcp",
		"credential": upstreamSecret}, nil)
	p.adminDo(t, "POST", base+"/credits/topup", map[string]any{"amount": 100_000_000, "note": "test"}, nil)
	var m struct {
		Member  struct{ ID string }
		Token   string
		TokenID string `json:"token_id"`
	}
	p.adminDo(t, "POST", base+"/members", map[string]any{"email": fmt.Sprintf("ada%d@example.com", n), "role": "member"}, &m)
	return mcpTenant{ws: ws, memberID: m.Member.ID, tokenID: m.TokenID, token: m.Token}
}

// mcpServer is a go-sdk MCP server on loopback (Streamable HTTP, stateful)
// with the tools echo, fail (a tool error) and delete_repo, refusing any
// request without the upstream credential.
func mcpServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := sdk.NewServer(&sdk.Implementation{Name: "up", Version: "1.0.0"}, nil)
	type in struct {
		Text string `json:"text"`
	}
	for _, name := range []string{"echo", "fail", "delete_repo"} {
		sdk.AddTool(s, &sdk.Tool{Name: name}, func(_ context.Context, _ *sdk.CallToolRequest, a in) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: a.Text}}, IsError: name == "fail"}, nil, nil
		})
	}
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+upstreamSecret {
			http.Error(w, "bad upstream credential", http.StatusTeapot)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// bearerTransport adds a gateway token to every request.
type bearerTransport struct{ tok string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}

// mcpSession connects a go-sdk client to "up" through the gateway at gw.
func mcpSession(t *testing.T, ctx context.Context, gw, tok string) *sdk.ClientSession {
	t.Helper()
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1.0.0"}, nil)
	cs, err := c.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: gw + "/up",
		HTTPClient: &http.Client{Transport: bearerTransport{tok}}}, nil)
	if err != nil {
		t.Fatalf("connect through %s: %v", gw, err)
	}
	return cs
}

// toolAudit is the audit record of a tool call, as GET …/requests lists it.
type toolAudit struct {
	RequestID string `json:"request_id"`
	TokenID   string `json:"token_id"`
	Upstream  string `json:"upstream"`
	Tool      string `json:"tool"`
	ToolCall  bool   `json:"tool_call"`
	Error     bool   `json:"error"`
	Cost      int64  `json:"cost"`
}

// TestMCPToolCallsMeteredAcrossTwoReplicas: two gateways on one Redis, one
// client session through each. A tool policy written through A's admin API
// applies on B at its next request (tools/list filtered, the call denied);
// every tool call through either replica is exactly one usage event with
// its tool and the table's charge (a tool error is charged, a denied call
// is free), and the books balance.
func TestMCPToolCallsMeteredAcrossTwoReplicas(t *testing.T) {
	rds := redistest.Start(t)
	yaml := fmt.Sprintf(sharedRedisYAML, rds.URL()) + mcpPricingYAML
	a, b := startProc(t, yaml), startProc(t, yaml)
	b.operator = a.operator
	ten := seedMCP(t, a, mcpServer(t).URL)
	initial := readCredits(t, a, ten.ws).Balance
	a.adminDo(t, "PUT", "/v1/workspaces/"+ten.ws+"/tool-policies/up", map[string]any{"deny": []string{"delete_*"}}, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang detector
	defer cancel()
	for _, p := range []*proc{a, b} {
		cs := mcpSession(t, ctx, p.data, ten.token)
		lt, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range lt.Tools {
			names = append(names, tl.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"echo", "fail"}) {
			t.Fatalf("tools/list through %s = %v, want [echo fail]", p.data, names)
		}
		for _, tool := range []string{"echo", "echo", "echo", "fail", "delete_repo"} {
			_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: map[string]any{"text": "x"}})
			if (err != nil) != (tool == "delete_repo") {
				t.Fatalf("%s through %s: %v", tool, p.data, err)
			}
		}
		if err := cs.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var calls []toolAudit
	waitFor(t, "10 tool calls settled", func() bool {
		calls = slices.DeleteFunc(listAll[toolAudit](t, a, "/v1/workspaces/"+ten.ws+"/requests"),
			func(r toolAudit) bool { return !r.ToolCall })
		return len(calls) >= 10 && readCredits(t, a, ten.ws).Held == 0
	})
	want := map[string]int64{"echo": 20_000, "fail": 10_000, "delete_repo": 0}
	count := map[string]int{}
	for _, c := range calls {
		count[c.Tool]++
		if c.Cost != want[c.Tool] || c.TokenID != ten.tokenID || c.Upstream != "up" || c.Error != (c.Tool != "echo") {
			t.Errorf("tool call %+v, want cost %d", c, want[c.Tool])
		}
	}
	if len(calls) != 10 || count["echo"] != 6 || count["fail"] != 2 || count["delete_repo"] != 2 {
		t.Fatalf("tool calls %v (%d), want 6 echo, 2 fail, 2 delete_repo", count, len(calls))
	}
	if spent := initial - readCredits(t, a, ten.ws).Balance; spent != 6*20_000+2*10_000 {
		t.Fatalf("balance fell by %d µc, want %d", spent, 6*20_000+2*10_000)
	}
	checkBooks(t, a, ten.ws, initial)
}

// TestMCPRevokeOnAClosesStreamOnB: a GET stream open through replica B
// ends within a second of the token's revocation through replica A's admin
// API (the revocation reaches B by the store's feed), and B lets go of the
// upstream stream.
func TestMCPRevokeOnAClosesStreamOnB(t *testing.T) {
	rds := redistest.Start(t)
	yaml := fmt.Sprintf(sharedRedisYAML, rds.URL())
	a, b := startProc(t, yaml), startProc(t, yaml)
	b.operator = a.operator
	released := make(chan struct{}, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": open\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // silent until the gateway lets go
		released <- struct{}{}
	}))
	t.Cleanup(up.Close)
	ten := seedMCP(t, a, up.URL)

	req, _ := http.NewRequest(http.MethodGet, b.data+"/up", nil)
	req.Header.Set("Authorization", "Bearer "+ten.token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	if line, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(line, ": open") {
		t.Fatalf("stream through B: %q, %v", line, err)
	}
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, rd)
		close(ended)
	}()
	a.adminDo(t, "DELETE", "/v1/workspaces/"+ten.ws+"/tokens/"+ten.tokenID, nil, nil)
	select {
	case <-ended:
	case <-time.After(time.Second): // the property: within one second
		t.Fatal("the stream through B was still open a second after the revocation through A")
	}
	select {
	case <-released:
	case <-time.After(10 * time.Second): // a hang detector
		t.Fatal("B did not close the upstream stream")
	}
}
