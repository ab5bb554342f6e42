package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// record re-records testdata/mcp from live go-sdk servers and clients.
var record = flag.Bool("mcp.record", false, "write the live go-sdk traffic to testdata/mcp")

// goldenDir is where the recorded traffic lives, one directory per
// scenario.
const goldenDir = "../testdata/mcp"

// exchange is one recorded HTTP exchange between an MCP client and server.
type exchange struct {
	N           int               `json:"n"`
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	Header      map[string]string `json:"header,omitempty"` // the Mcp-* request headers
	Status      int               `json:"status"`
	ContentType string            `json:"contentType"`
	req, resp   []byte
}

// recorder is an http.RoundTripper that records every exchange, response
// bodies as the client reads them.
type recorder struct {
	mu  sync.Mutex
	ex  []*exchange
	rt  http.RoundTripper
	wg  sync.WaitGroup
	buf map[*exchange]*bytes.Buffer
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	e := &exchange{Method: req.Method, URL: req.URL.String(), Header: map[string]string{}}
	for k, v := range req.Header {
		if strings.HasPrefix(k, "Mcp-") {
			e.Header[k] = v[0]
		}
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		e.req = body
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := r.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	e.Status, e.ContentType = resp.StatusCode, resp.Header.Get("Content-Type")
	r.mu.Lock()
	e.N = len(r.ex)
	r.ex = append(r.ex, e)
	r.mu.Unlock()
	r.wg.Add(1)
	resp.Body = &teeBody{rc: resp.Body, e: e, done: r.wg.Done}
	return resp, nil
}

// teeBody keeps what the client reads of a response body. A Read holds mu
// throughout, so that Close, which closes the body first (ending a blocked
// Read) and then takes mu, reports done only after the last Read's bytes
// are kept.
type teeBody struct {
	rc     io.ReadCloser
	e      *exchange
	mu     sync.Mutex
	done   func()
	closed bool
}

func (b *teeBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.rc.Read(p)
	if !b.closed {
		b.e.resp = append(b.e.resp, p[:n]...)
	}
	return n, err
}

func (b *teeBody) Close() error {
	err := b.rc.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		b.done()
	}
	return err
}

// scenario is one transport revision and answer style of the go-sdk.
type scenario struct {
	name    string
	version string
	handler func(func(*http.Request) *sdk.Server) http.Handler
	sse     bool // 2024-11-05 HTTP+SSE
}

var scenarios = []scenario{
	{name: "2024-11-05", version: "2024-11-05", sse: true, handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewSSEHandler(g, nil)
	}},
	{name: "2025-03-26", version: "2025-03-26", handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, nil)
	}},
	{name: "2025-06-18", version: "2025-06-18", handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, nil)
	}},
	{name: "2025-11-25-resumable", version: "2025-11-25", handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{EventStore: sdk.NewMemoryEventStore(nil)})
	}},
	{name: "2025-11-25-json", version: "2025-11-25", handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{JSONResponse: true})
	}},
	{name: "2026-07-28-stateless", version: "2026-07-28", handler: func(g func(*http.Request) *sdk.Server) http.Handler {
		return sdk.NewStreamableHTTPHandler(g, &sdk.StreamableHTTPOptions{Stateless: true})
	}},
}

// wantOutcome is the outcome each tool of goldenServer produces.
var wantOutcome = map[string]ResultKind{"echo": OK, "delete_repo": OK, "fail": ToolError, "nope": RPCError, "slow": OK}

// goldenServer returns a go-sdk server with the tools the recordings call.
func goldenServer() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "golden", Version: "1.0.0"}, nil)
	type textIn struct {
		Text string `json:"text"`
	}
	text := func(s string) *sdk.CallToolResult {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: s}}}
	}
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "Echo the text"}, func(_ context.Context, _ *sdk.CallToolRequest, in textIn) (*sdk.CallToolResult, any, error) {
		return text(in.Text), nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "delete_repo", Description: "Delete a repository"}, func(context.Context, *sdk.CallToolRequest, textIn) (*sdk.CallToolResult, any, error) {
		return text("deleted"), nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "fail", Description: "Always fails"}, func(context.Context, *sdk.CallToolRequest, textIn) (*sdk.CallToolResult, any, error) {
		r := text("it failed")
		r.IsError = true
		return r, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "slow", Description: "Reports progress"}, func(ctx context.Context, req *sdk.CallToolRequest, _ textIn) (*sdk.CallToolResult, any, error) {
		for i := range 3 {
			err := req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{ProgressToken: req.Params.GetProgressToken(), Progress: float64(i + 1), Total: 3, Message: "step"})
			if err != nil {
				return nil, nil, err
			}
		}
		return text("done"), nil, nil
	})
	return s
}

// recordScenario runs a go-sdk client against a go-sdk server on loopback
// for one scenario and returns the traffic: initialize, tools/list, and
// calls that succeed, fail as a tool, fail as JSON-RPC, and report progress.
func recordScenario(t *testing.T, sc scenario) []*exchange {
	server := goldenServer()
	ts := httptest.NewServer(sc.handler(func(*http.Request) *sdk.Server { return server }))
	defer ts.Close()
	rec := &recorder{rt: http.DefaultTransport}
	hc := &http.Client{Transport: rec}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var tr sdk.Transport = &sdk.StreamableClientTransport{Endpoint: ts.URL, HTTPClient: hc}
	if sc.sse {
		tr = &sdk.SSEClientTransport{Endpoint: ts.URL, HTTPClient: hc}
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "golden-client", Version: "1.0.0"}, nil)
	cs, err := client.Connect(ctx, tr, &sdk.ClientSessionOptions{ProtocolVersion: sc.version})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"echo", "fail", "nope", "slow"} {
		p := &sdk.CallToolParams{Name: tool, Arguments: map[string]any{"text": "héllo \"world\""}}
		if tool == "slow" {
			p.SetProgressToken("progress-1")
		}
		_, err := cs.CallTool(ctx, p)
		if (err != nil) != (tool == "nope") {
			t.Fatalf("%s: %v", tool, err)
		}
	}
	if err := cs.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	ts.CloseClientConnections()
	rec.wg.Wait()
	return rec.ex
}

// TestGoSDKTraffic runs each scenario live and checks the recorded
// traffic; with -mcp.record it also rewrites the golden files.
func TestGoSDKTraffic(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ex := recordScenario(t, sc)
			checkTraffic(t, sc.name, ex)
			if *record {
				writeGolden(t, sc.name, ex)
			}
		})
	}
}

// TestGoldenTraffic checks the traffic recorded in testdata/mcp, so that the
// message shapes of the go-sdk version they were recorded with stay covered
// after an upgrade.
func TestGoldenTraffic(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			checkTraffic(t, sc.name, readGolden(t, sc.name))
		})
	}
}

func writeGolden(t *testing.T, name string, ex []*exchange) {
	dir := filepath.Join(goldenDir, name)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	index, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"index.json": append(index, '\n')}
	for _, e := range ex {
		if len(e.req) > 0 {
			files[fmt.Sprintf("%02d.req", e.N)] = e.req
		}
		if len(e.resp) > 0 {
			files[fmt.Sprintf("%02d.resp", e.N)] = e.resp
		}
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T, name string) []*exchange {
	dir := filepath.Join(goldenDir, name)
	index, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ex []*exchange
	if err := json.Unmarshal(index, &ex); err != nil {
		t.Fatal(err)
	}
	for _, e := range ex {
		e.req, _ = os.ReadFile(filepath.Join(dir, fmt.Sprintf("%02d.req", e.N)))
		e.resp, _ = os.ReadFile(filepath.Join(dir, fmt.Sprintf("%02d.resp", e.N)))
	}
	return ex
}

// checkTraffic replays recorded traffic through the package as the gateway
// will: every POSTed body is inspected, its headers agree with it, every
// answer (JSON or SSE, cut at random) passes through Stream with a policy
// denying delete_*, the tools/list answer loses exactly delete_repo, every
// tools/call outcome is observed once, and everything else is unchanged.
func checkTraffic(t *testing.T, name string, ex []*exchange) {
	pol, _ := ParsePolicy("golden", nil, []string{"delete_*"})
	var tracker Tracker
	tools := map[int]string{} // tracker ref → tool
	seen := map[string]int{}
	lists := 0
	rng := rand.New(rand.NewPCG(1, 2))
	var get *exchange
	for _, e := range ex {
		if e.Method == http.MethodGet && strings.HasPrefix(e.ContentType, "text/event-stream") && get == nil {
			get = e
		}
		if e.Method != http.MethodPost || len(e.req) == 0 {
			continue
		}
		calls, _, err := Inspect(e.req, nil)
		if err != nil {
			t.Fatalf("%02d: %v\n%s", e.N, err, e.req)
		}
		if err := HeaderMismatch([]byte(e.Header["Mcp-Method"]), []byte(e.Header["Mcp-Name"]), calls); err != nil {
			t.Errorf("%02d: %v", e.N, err)
		}
		err = tracker.Add(calls, func(int) bool { return false }, func(i int) int {
			ref := len(tools)
			tools[ref] = calls[i].Tool
			return ref
		})
		if err != nil {
			t.Fatalf("%02d: %v", e.N, err)
		}
		for i := range calls {
			if calls[i].Method == "tools/list" {
				lists++
			}
		}
		replay(t, e, Pending{Calls: calls, Policy: pol}, rng, func(o Observation) { seen[calls[o.Ref].Tool+"="+o.Outcome.String()]++ })
	}
	if get != nil {
		p := Pending{}
		if strings.HasPrefix(name, "2024-11-05") {
			p = Pending{Policy: pol, Tracker: &tracker, Endpoint: Endpoint{Upstream: origin(get.URL), Stream: get.URL, Prefix: "/up"}}
		}
		out := replay(t, get, p, rng, func(o Observation) { seen[tools[o.Ref]+"="+o.Outcome.String()]++ })
		if p.Tracker != nil && !bytes.Contains(out, []byte("event: endpoint\ndata: /up/")) {
			t.Errorf("endpoint not rewritten:\n%s", out)
		}
	}
	if lists == 0 {
		t.Error("no tools/list in the traffic")
	}
	for tool, o := range wantOutcome {
		if tool == "delete_repo" {
			continue
		}
		if n := seen[tool+"="+o.String()]; n != 1 {
			t.Errorf("%s=%v observed %d times (all: %v)", tool, o, n, seen)
		}
	}
}

// replay passes one recorded answer through a Stream reset with p, cut at
// random, checks it against the model and the policy, reports each
// observation to see, and returns the output.
func replay(t *testing.T, e *exchange, p Pending, rng *rand.Rand, see func(Observation)) []byte {
	var s Stream
	s.Reset(p)
	var out []byte
	switch {
	case strings.HasPrefix(e.ContentType, "application/json"):
		out = s.Body(nil, e.resp)
		for _, o := range s.Observed() {
			see(o)
		}
	case strings.HasPrefix(e.ContentType, "text/event-stream"):
		for _, c := range randomChunks(e.resp, rng) {
			out = append(out, s.Process(nil, c)...)
			for _, o := range s.Observed() {
				see(o)
			}
		}
		out = s.Flush(out)
		if p.Endpoint.Prefix == "" {
			if want := refStream(p, e.resp); !bytes.Equal(out, want) {
				t.Errorf("%02d: output differs from the model:\n got %q\nwant %q", e.N, out, want)
			}
		}
	default:
		return nil
	}
	if s.Err() != nil {
		t.Errorf("%02d: %v", e.N, s.Err())
	}
	filtered := p.Policy != nil && bytes.Contains(e.resp, []byte(`"delete_repo"`)) && bytes.Contains(e.resp, []byte(`"tools"`))
	switch {
	case filtered && bytes.Contains(out, []byte(`"delete_repo"`)):
		t.Errorf("%02d: delete_repo still listed:\n%s", e.N, out)
	case filtered && !bytes.Contains(out, []byte(`"name":"echo"`)):
		t.Errorf("%02d: allowed tools lost:\n%s", e.N, out)
	case !filtered && p.Endpoint.Prefix == "" && !bytes.Equal(out, e.resp):
		t.Errorf("%02d: answer changed:\n got %q\nwant %q", e.N, out, e.resp)
	}
	return out
}

// origin returns the scheme://host of a URL.
func origin(u string) string {
	i := strings.Index(u, "://")
	if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
		return u[:i+3+j]
	}
	return u
}
