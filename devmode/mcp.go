package devmode

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TimeFormat is the layout of the MCP `time` tool's answer, always in UTC.
const TimeFormat = time.RFC3339

// mcpSessionTimeout closes demo MCP sessions that stay idle this long.
const mcpSessionTimeout = 30 * time.Minute

// mcpUpstream is the demo MCP server and its Streamable HTTP handler.
type mcpUpstream struct {
	server     *mcp.Server
	handler    http.Handler
	credential string
}

// NewMCP returns a demo MCP server over Streamable HTTP (stateful, with
// sessions) offering the tools `echo` {text}, `add` {a, b} and `time`. Every
// request must carry `Authorization: Bearer <credential>`; others get 401.
// It panics if credential is empty. The handler is safe for concurrent use.
func NewMCP(credential string, opts ...Option) http.Handler {
	return newMCP(credential, opts...)
}

func newMCP(credential string, opts ...Option) *mcpUpstream {
	mustCredential("NewMCP", credential)
	o := buildOptions(opts)
	server := mcp.NewServer(&mcp.Implementation{Name: "tollgate-demo", Version: "v1.0.0"}, nil)
	addTools(server, o.now)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{SessionTimeout: mcpSessionTimeout})
	return &mcpUpstream{server: server, handler: h, credential: credential}
}

// ServeHTTP checks the credential and hands the request to the SDK.
func (m *mcpUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !bearerMatches(r, m.credential) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate-demo"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "devmode: missing or wrong demo credential in Authorization: Bearer",
		})
		return
	}
	m.handler.ServeHTTP(w, r)
}

// closeSessions ends every open MCP session, which ends their GET streams.
func (m *mcpUpstream) closeSessions() {
	for ss := range m.server.Sessions() {
		_ = ss.Close()
	}
}

type echoArgs struct {
	Text string `json:"text" jsonschema:"the text to echo back"`
}

type addArgs struct {
	A float64 `json:"a" jsonschema:"the first addend"`
	B float64 `json:"b" jsonschema:"the second addend"`
}

type addResult struct {
	Sum float64 `json:"sum" jsonschema:"a + b"`
}

type timeResult struct {
	UTC string `json:"utc" jsonschema:"the current time in UTC, RFC 3339"`
}

// addTools registers the demo tools on server.
func addTools(server *mcp.Server, now func() time.Time) {
	mcp.AddTool(server, &mcp.Tool{Name: "echo", Description: "Echo the given text back."},
		func(_ context.Context, _ *mcp.CallToolRequest, in echoArgs) (*mcp.CallToolResult, any, error) {
			return textResult(in.Text), nil, nil
		})
	mcp.AddTool(server, &mcp.Tool{Name: "add", Description: "Add two numbers."},
		func(_ context.Context, _ *mcp.CallToolRequest, in addArgs) (*mcp.CallToolResult, addResult, error) {
			sum := in.A + in.B
			return textResult(strconv.FormatFloat(sum, 'f', -1, 64)), addResult{Sum: sum}, nil
		})
	mcp.AddTool(server, &mcp.Tool{Name: "time", Description: "Tell the current time in UTC (RFC 3339)."},
		func(_ context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, timeResult, error) {
			t := now().UTC().Format(TimeFormat)
			return textResult(t), timeResult{UTC: t}, nil
		})
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}
