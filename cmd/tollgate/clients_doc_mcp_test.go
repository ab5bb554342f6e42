package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpServerEntry is one entry of an "mcpServers" config (Cursor, Claude
// Desktop). Unknown fields are refused, so a typo in the guide fails.
type mcpServerEntry struct {
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
}

// mcpConfig parses the guide's JSON snippet name and returns its one server,
// which must be named tollgate-demo.
func mcpConfig(t *testing.T, name string) mcpServerEntry {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(snippet(t, name, "json")))
	dec.DisallowUnknownFields()
	var cfg struct {
		MCPServers map[string]mcpServerEntry `json:"mcpServers"`
	}
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("snippet %s is not a valid config: %v", name, err)
	}
	s, ok := cfg.MCPServers["tollgate-demo"]
	if len(cfg.MCPServers) != 1 || !ok {
		t.Fatalf("snippet %s: want one server named tollgate-demo, got %v", name, cfg.MCPServers)
	}
	return s
}

// localize puts this run's gateway and token in place of the guide's
// placeholders.
func localize(s, gateway, tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, docGateway, gateway), docToken, tok)
}

// headerTransport adds fixed headers to every request.
type headerTransport map[string]string

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// useDemoTools lists the demo tools over session and calls add, failing the
// test unless both work.
func useDemoTools(t *testing.T, ctx context.Context, cs *mcp.ClientSession) {
	t.Helper()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"add", "echo", "time"}) {
		t.Fatalf("tools/list gave %v", names)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": 2, "b": 3}})
	if err != nil || res.IsError || len(res.Content) != 1 {
		t.Fatalf("tools/call add: %+v, %v", res, err)
	}
	if txt, ok := res.Content[0].(*mcp.TextContent); !ok || txt.Text != "5" {
		t.Fatalf("tools/call add answered %+v", res.Content[0])
	}
}

// TestClientsGuideCursorConfigConnects: the Cursor config is valid JSON of
// the documented shape, and its url and headers, with the token in place of
// ${env:TOLLGATE_TOKEN}, are all an MCP client needs to use the gateway.
// (Cursor itself, a desktop application, is not tried.)
func TestClientsGuideCursorConfigConnects(t *testing.T) {
	s := mcpConfig(t, "cursor")
	if s.Headers["Authorization"] != "Bearer ${env:TOLLGATE_TOKEN}" || s.Command != "" {
		t.Fatalf("the Cursor config's server is %+v", s)
	}
	p := startDev(t, t.TempDir())
	member, _, _ := devBanner(t, p)
	headers := headerTransport{}
	for k, v := range s.Headers {
		headers[k] = strings.ReplaceAll(v, "${env:TOLLGATE_TOKEN}", member)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang detector, not a timing assertion
	defer cancel()
	tr := &mcp.StreamableClientTransport{Endpoint: localize(s.URL, p.data, member), HTTPClient: &http.Client{Transport: headers}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cursor-config", Version: "v0"}, nil).Connect(ctx, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	useDemoTools(t, ctx, cs)
}

// TestClientsGuideMCPRemoteConfigsConnect: both Claude Desktop configs, run
// as Claude Desktop runs them (the command's args and env, mcp-remote
// substituting the variable into --header), give a stdio MCP client the
// demo tools through the gateway. npx is replaced by an mcp-remote already
// on PATH: the test never downloads it.
func TestClientsGuideMCPRemoteConfigsConnect(t *testing.T) {
	bridge, err := exec.LookPath("mcp-remote")
	if err != nil {
		t.Skip("\n\n*** mcp-remote not on PATH (npm install mcp-remote): SKIPPING the Claude Desktop recipes ***\n\n")
	}
	p := startDev(t, t.TempDir())
	member, _, _ := devBanner(t, p)
	for _, name := range []string{"claude-desktop", "claude-desktop-x-api-key"} {
		t.Run(name, func(t *testing.T) {
			s := mcpConfig(t, name)
			if s.Command != "npx" || len(s.Args) < 3 || !slices.Equal(s.Args[:2], []string{"-y", "mcp-remote"}) {
				t.Fatalf("the config does not run npx -y mcp-remote: %+v", s)
			}
			for _, a := range s.Args {
				if strings.Contains(a, " ") {
					t.Fatalf("argument %q has a space, which Claude Desktop on Windows does not quote", a)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang detector, not a timing assertion
			defer cancel()
			cmd := exec.CommandContext(ctx, bridge, localizeAll(s.Args[2:], p.data, member)...)
			cmd.Env = append(snippetEnv(p.data, member), "HOME="+t.TempDir()) // mcp-remote keeps state in ~/.mcp-auth
			for k, v := range s.Env {
				cmd.Env = append(cmd.Env, k+"="+localize(v, p.data, member))
			}
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "claude-desktop-config", Version: "v0"}, nil).
				Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			useDemoTools(t, ctx, cs)
		})
	}
}

func localizeAll(args []string, gateway, tok string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = localize(a, gateway, tok)
	}
	return out
}

// TestClientsGuideClaudeCodeConnects: the `claude mcp add` line, as
// written, registers the gateway so that `claude mcp list` connects to it;
// with a wrong token the list shows the gateway's 401, as the guide says.
func TestClientsGuideClaudeCodeConnects(t *testing.T) {
	if _, err := exec.LookPath("claude"); err != nil {
		t.Skip("\n\n*** claude (Claude Code) not on PATH: SKIPPING the claude mcp add recipe ***\n\n")
	}
	p := startDev(t, t.TempDir())
	member, _, _ := devBanner(t, p)
	src := snippet(t, "claude-code", "sh")
	quiet := []string{"DISABLE_AUTOUPDATER=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"}
	out := runShellSnippet(t, src, p.data, member, append(quiet, "HOME="+t.TempDir()))
	if !strings.Contains(out, "tollgate-demo: "+p.data+"/mcp-demo (HTTP) - ✔ Connected") {
		t.Fatalf("claude mcp list did not connect:\n%s", out)
	}
	out = runShellSnippet(t, src, p.data, "mwt_wrong", append(quiet, "HOME="+t.TempDir()))
	if !strings.Contains(out, "401") || strings.Contains(out, "Connected") {
		t.Fatalf("with a wrong token, claude mcp list said:\n%s", out)
	}
}
