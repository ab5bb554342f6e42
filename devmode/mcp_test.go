package devmode

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearerTransport adds `Authorization: Bearer <token>` to every request, as
// the gateway does when it injects an upstream credential.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connectMCP connects the official MCP client to endpoint with token.
func connectMCP(t *testing.T, endpoint, token string) (*mcp.ClientSession, error) {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "devmode-test", Version: "v0"}, nil)
	transport := &mcp.StreamableClientTransport{
		Endpoint:   endpoint,
		HTTPClient: &http.Client{Transport: bearerTransport{token}},
		MaxRetries: -1,
	}
	return client.Connect(context.Background(), transport, nil)
}

// newMCPServer starts NewMCP on a loopback httptest server. Sessions are
// closed before the server so its standalone GET streams end.
func newMCPServer(t *testing.T) *httptest.Server {
	t.Helper()
	m := newMCP(testCredential, WithClock(fixedClock))
	srv := httptest.NewServer(m)
	t.Cleanup(func() { m.closeSessions(); srv.Close() })
	return srv
}

func toolText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if res.IsError || len(res.Content) != 1 {
		t.Fatalf("tool result = %+v, want one content item", res)
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("content is %T, want *mcp.TextContent", res.Content[0])
	}
	return tc.Text
}

// TestMCPClientInitializeListAndCall checks the official client can
// initialize, list the demo tools and call each of them.
func TestMCPClientInitializeListAndCall(t *testing.T) {
	srv := newMCPServer(t)
	cs, err := connectMCP(t, srv.URL+"/mcp", testCredential)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	if info := cs.InitializeResult(); info == nil || info.ServerInfo.Name != "tollgate-demo" {
		t.Fatalf("initialize result = %+v", info)
	}
	ctx := context.Background()
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"add", "echo", "time"}) {
		t.Errorf("tools = %v, want add, echo, time", names)
	}
	calls := []struct {
		name string
		args map[string]any
		want string
	}{
		{"echo", map[string]any{"text": "hello gateway"}, "hello gateway"},
		{"add", map[string]any{"a": 2, "b": 3.5}, "5.5"},
		{"time", map[string]any{}, "2026-01-02T03:04:05Z"},
	}
	for _, c := range calls {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.name, Arguments: c.args})
		if err != nil {
			t.Fatalf("tools/call %s: %v", c.name, err)
		}
		if got := toolText(t, res); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestMCPBadToolArgumentsAreToolErrors checks that a call with a wrong
// argument type comes back as a failed call, not a crash.
func TestMCPBadToolArgumentsAreToolErrors(t *testing.T) {
	srv := newMCPServer(t)
	cs, err := connectMCP(t, srv.URL, testCredential)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": "two"}})
	if err == nil && !res.IsError {
		t.Errorf("add with a string argument succeeded: %+v", res)
	}
}

// TestMCPWrongCredentialIs401 checks that a client token is refused, both
// by the SDK client and on the wire.
func TestMCPWrongCredentialIs401(t *testing.T) {
	srv := newMCPServer(t)
	if cs, err := connectMCP(t, srv.URL, "mwt_client_token"); err == nil {
		cs.Close()
		t.Fatal("connect with the wrong credential succeeded")
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestMCPConcurrentSessions checks that many clients can hold sessions and
// call tools at once (run with -race).
func TestMCPConcurrentSessions(t *testing.T) {
	srv := newMCPServer(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			cs, err := connectMCP(t, srv.URL, testCredential)
			if err != nil {
				t.Errorf("connect: %v", err)
				return
			}
			defer cs.Close()
			text := strings.Repeat("x", i+1)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": text}})
			if err != nil {
				t.Errorf("echo: %v", err)
				return
			}
			if got := res.Content[0].(*mcp.TextContent).Text; got != text {
				t.Errorf("echo = %q, want %q", got, text)
			}
		})
	}
	wg.Wait()
}
