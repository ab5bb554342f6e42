package main

import (
	"bytes"
	"context"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// clientsDoc is the client guide whose marked snippets these tests run.
const clientsDoc = "../../docs/clients.md"

// Placeholders the guide's config snippets carry where a reader puts their
// own gateway URL and token; the tests put this run's in their place.
const (
	docGateway = "http://127.0.0.1:8080"
	docToken   = "mwt_…"
)

// docSnippet is one fenced block of the guide marked `<!-- tried: name -->`.
type docSnippet struct {
	lang, body string
}

var triedBlock = regexp.MustCompile("(?s)<!-- tried: ([a-z0-9-]+) -->\n```([a-z]+)\n(.*?)\n```")

// docSnippets reads the guide's marked snippets by name.
func docSnippets(t *testing.T) map[string]docSnippet {
	t.Helper()
	b, err := os.ReadFile(clientsDoc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]docSnippet{}
	for _, m := range triedBlock.FindAllStringSubmatch(string(b), -1) {
		if _, dup := out[m[1]]; dup {
			t.Fatalf("%s: snippet %q is marked twice", clientsDoc, m[1])
		}
		out[m[1]] = docSnippet{lang: m[2], body: m[3]}
	}
	return out
}

// snippet returns the guide's snippet name, which must be in lang.
func snippet(t *testing.T, name, lang string) string {
	t.Helper()
	s, ok := docSnippets(t)[name]
	if !ok || s.lang != lang {
		t.Fatalf("%s has no %s snippet marked `<!-- tried: %s -->` (found %q)", clientsDoc, lang, name, s.lang)
	}
	return s.body
}

// triedHere lists every snippet the tests below run or check.
var triedHere = []string{"openai-go", "openai-python", "anthropic-go", "anthropic-python", "curl-llm", "curl-mcp",
	"go-mcp", "cursor", "claude-code", "claude-desktop", "claude-desktop-x-api-key"}

// TestClientsGuideMarksOnlyWhatIsTried: the guide's "tried" markers and the
// tests agree both ways, so a snippet cannot claim a trial no test makes,
// and one cannot lose its marker (and so its test) unnoticed.
func TestClientsGuideMarksOnlyWhatIsTried(t *testing.T) {
	got := docSnippets(t)
	for name := range got {
		if !slices.Contains(triedHere, name) {
			t.Errorf("%s marks %q as tried, but no test runs it", clientsDoc, name)
		}
	}
	for _, name := range triedHere {
		if _, ok := got[name]; !ok {
			t.Errorf("%s lost the snippet %q that the tests run", clientsDoc, name)
		}
	}
}

// TestClientsGuideGoSnippetsAreGofmted: a Go snippet pasted from the guide
// is already formatted, as a reader's editor would leave it.
func TestClientsGuideGoSnippetsAreGofmted(t *testing.T) {
	for name, s := range docSnippets(t) {
		if s.lang != "go" {
			continue
		}
		src := s.body + "\n"
		out, err := format.Source([]byte(src))
		if err != nil || string(out) != src {
			t.Errorf("snippet %s is not gofmt-clean (err %v):\n%s", name, err, out)
		}
	}
}

// TestClientsGuideOpenAIGoSnippetRuns: the OpenAI Go SDK program, as
// written, gets the demo upstream's answer through `serve --dev`.
func TestClientsGuideOpenAIGoSnippetRuns(t *testing.T) {
	p := startDev(t, t.TempDir())
	member, _, _ := devBanner(t, p)
	out := runGoSnippet(t, snippet(t, "openai-go", "go"), p.data, member)
	if strings.TrimSpace(out) != "You said: Hello, Tollgate" {
		t.Fatalf("the OpenAI snippet printed %q", out)
	}
}

// TestClientsGuideMCPGoSnippetRuns: the MCP Go SDK program, as written,
// opens a session through the gateway, lists the demo tools and calls add.
func TestClientsGuideMCPGoSnippetRuns(t *testing.T) {
	p := startDev(t, t.TempDir())
	member, _, _ := devBanner(t, p)
	out := runGoSnippet(t, snippet(t, "go-mcp", "go"), p.data, member)
	for _, want := range []string{"tool: add\n", "tool: echo\n", "tool: time\n", "add: 5\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the MCP snippet printed %q, want a line %q", out, want)
		}
	}
}

// TestClientsGuideAnthropicGoSnippetRuns: the Anthropic Go SDK program, as
// written, reaches an upstream registered as the guide says (name
// anthropic, credential in x-api-key), which sees its own key and never the
// member token.
func TestClientsGuideAnthropicGoSnippetRuns(t *testing.T) {
	p := startProc(t, "")
	prov := newProvider(t)
	var created struct{ Workspace struct{ ID string } }
	p.adminDo(t, "POST", "/v1/workspaces", map[string]any{"name": "guide", "owner_email": "owner@example.com"}, &created)
	base := "/v1/workspaces/" + created.Workspace.ID
	p.adminDo(t, "POST", base+"/upstreams", map[string]any{"name": "anthropic", "base_url": prov.srv.URL, "kind": "llm",
		"credential": upstreamSecret, "auth_header": "x-api-key"}, nil)
	var m struct{ Token string }
	p.adminDo(t, "POST", base+"/members", map[string]any{"email": "ada@example.com", "role": "member"}, &m)
	out := runGoSnippet(t, snippet(t, "anthropic-go", "go"), p.data, m.Token)
	if strings.TrimSpace(out) != "Hello from the loopback provider." {
		t.Fatalf("the Anthropic snippet printed %q", out)
	}
	if r := prov.refusals(); len(r) > 0 {
		t.Fatalf("the provider refused: %q", r)
	}
}

// TestClientsGuidePythonSnippetsCompile: the Python snippets are valid
// Python. They are not run: the SDKs cannot be installed here (the guide
// says so).
func TestClientsGuidePythonSnippetsCompile(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("\n\n*** python3 not installed: SKIPPING the Python snippets' syntax check ***\n\n")
	}
	for _, name := range []string{"openai-python", "anthropic-python"} {
		cmd := exec.Command(py, "-c", "import sys; compile(sys.stdin.read(), sys.argv[1], 'exec')", name)
		cmd.Stdin = strings.NewReader(snippet(t, name, "python"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("snippet %s does not compile: %v\n%s", name, err, out)
		}
	}
}

// TestClientsGuideCurlLLMSnippetRuns: the curl lines, as written, get a
// plain completion and a stream ending in [DONE] through `serve --dev`.
func TestClientsGuideCurlLLMSnippetRuns(t *testing.T) {
	p := startDev(t, t.TempDir())
	member, _, _ := devBanner(t, p)
	out := runShellSnippet(t, snippet(t, "curl-llm", "sh"), p.data, member, nil)
	if !strings.Contains(out, `"content":"You said: Hello, Tollgate"`) || !strings.Contains(out, "data: [DONE]") {
		t.Fatalf("the curl lines printed:\n%s", out)
	}
}

// TestClientsGuideCurlMCPSnippetRuns: the curl session dance, as written,
// gets 202 for the notification, the tools, the call's result and 204 for
// the DELETE, all through the gateway.
func TestClientsGuideCurlMCPSnippetRuns(t *testing.T) {
	p := startDev(t, t.TempDir())
	member, _, _ := devBanner(t, p)
	out := runShellSnippet(t, snippet(t, "curl-mcp", "sh"), p.data, member, nil)
	for _, want := range []string{"202\n", `"name":"add"`, `"name":"echo"`,
		`{"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"5"}],"structuredContent":{"sum":5}}}`, "204\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the MCP curl lines printed no %q:\n%s", want, out)
		}
	}
}

// runGoSnippet runs a Go program from the guide with TOLLGATE_URL and
// TOLLGATE_TOKEN set, in a module of its own that requires what this one
// does (offline: GOPROXY=off, the module cache has it all), and returns its
// standard output.
func runGoSnippet(t *testing.T, src, gateway, tok string) string {
	t.Helper()
	dir := t.TempDir()
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module clientsdoc"))
	sum, err := os.ReadFile("../../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"go.mod": mod, "go.sum": sum, "main.go": []byte(src + "\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a hang detector (compiles), not a timing assertion
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(snippetEnv(gateway, tok), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run the snippet: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// runShellSnippet runs a shell snippet from the guide with bash (the MCP
// one uses an array) and returns its standard output.
func runShellSnippet(t *testing.T, src, gateway, tok string, extraEnv []string) string {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("\n\n*** curl not installed: SKIPPING the guide's curl snippets ***\n\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hang detector, not a timing assertion
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", src)
	cmd.Env = append(snippetEnv(gateway, tok), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the snippet failed: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// snippetEnv is this process's environment with the guide's two variables
// set and the SDKs' own variables (which would override nothing the
// snippets set, but could add to it) removed.
func snippetEnv(gateway, tok string) []string {
	env := []string{"TOLLGATE_URL=" + gateway, "TOLLGATE_TOKEN=" + tok}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "OPENAI_") && !strings.HasPrefix(k, "ANTHROPIC_") && !strings.HasPrefix(k, "TOLLGATE_") {
			env = append(env, kv)
		}
	}
	return env
}
