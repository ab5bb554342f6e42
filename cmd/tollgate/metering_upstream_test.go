package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// llmUsage is the usage a loopback provider reports for one response, by
// disjoint category as store.Tokens counts it: Input excludes the cached
// tokens, Output excludes reasoning.
type llmUsage struct {
	Input, Output, CachedRead, CachedWrite, Reasoning int64
}

// usageHeader is the request header through which a test tells the
// loopback provider what usage to report: "in,out,cached_read,
// cached_write,reasoning". The gateway forwards it like any other header.
const usageHeader = "X-Test-Usage"

// gateHeader asks the provider to hold a stream after its first event until
// the gate of that name opens (or the connection closes).
const gateHeader = "X-Test-Gate"

func (u llmUsage) header() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d", u.Input, u.Output, u.CachedRead, u.CachedWrite, u.Reasoning)
}

// parseUsageHeader reads usageHeader; "" gives def.
func parseUsageHeader(s string, def llmUsage) (llmUsage, error) {
	if s == "" {
		return def, nil
	}
	f := strings.Split(s, ",")
	if len(f) != 5 {
		return llmUsage{}, fmt.Errorf("%s: want 5 comma-separated counts, got %q", usageHeader, s)
	}
	var n [5]int64
	for i, v := range f {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x < 0 {
			return llmUsage{}, fmt.Errorf("%s: count %d is not a non-negative integer: %q", usageHeader, i, v)
		}
		n[i] = x
	}
	return llmUsage{n[0], n[1], n[2], n[3], n[4]}, nil
}

// provider is a real loopback LLM provider that answers /v1/chat/completions
// in OpenAI's format and /v1/messages in Anthropic's, as JSON or, when the
// request says "stream": true, as server-sent events of a few content
// chunks. Usage comes from usageHeader (default defUsage). OpenAI streams
// carry usage only when the request asked for it (stream_options.
// include_usage), then as OpenAI does: "usage":null in every chunk and a
// last chunk with empty choices and the usage. It refuses (418) a request
// that does not carry the upstream credential (Authorization for OpenAI,
// x-api-key for Anthropic) or that carries the client's token anywhere.
// It is safe for concurrent use.
type provider struct {
	srv      *httptest.Server
	defUsage llmUsage
	events   int // content chunks per stream

	mu      sync.Mutex
	bodies  []map[string]any // decoded request bodies, in arrival order
	gates   map[string]chan struct{}
	held    chan string // receives the gate name of each stream held at its gate
	refused []string
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{defUsage: llmUsage{Input: 7, Output: 11}, events: 5,
		gates: map[string]chan struct{}{}, held: make(chan string, 1024)}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	t.Cleanup(func() { p.openAll() }) // never leave a handler waiting
	return p
}

// gate returns the gate named name, creating it closed.
func (p *provider) gate(name string) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.gates[name]
	if !ok {
		g = make(chan struct{})
		p.gates[name] = g
	}
	return g
}

// open lets the streams held at gate name go on.
func (p *provider) open(name string) {
	g := p.gate(name)
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-g:
	default:
		close(g)
	}
}

func (p *provider) openAll() {
	p.mu.Lock()
	names := make([]string, 0, len(p.gates))
	for n := range p.gates {
		names = append(names, n)
	}
	p.mu.Unlock()
	for _, n := range names {
		p.open(n)
	}
}

// received returns a copy of the decoded request bodies so far.
func (p *provider) received() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]any(nil), p.bodies...)
}

// refusals returns why requests were refused, if any were.
func (p *provider) refusals() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

func (p *provider) refuse(w http.ResponseWriter, why string) {
	p.mu.Lock()
	p.refused = append(p.refused, why)
	p.mu.Unlock()
	http.Error(w, why, http.StatusTeapot)
}

func (p *provider) serve(w http.ResponseWriter, r *http.Request) {
	anthropic := strings.HasSuffix(r.URL.Path, "/v1/messages")
	if !anthropic && !strings.HasSuffix(r.URL.Path, "/v1/chat/completions") {
		p.refuse(w, "unknown path "+r.URL.Path)
		return
	}
	if why := checkCredential(r, anthropic); why != "" {
		p.refuse(w, why)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		p.refuse(w, "request body is not a JSON object: "+err.Error())
		return
	}
	p.mu.Lock()
	p.bodies = append(p.bodies, body)
	p.mu.Unlock()
	u, err := parseUsageHeader(r.Header.Get(usageHeader), p.defUsage)
	if err != nil {
		p.refuse(w, err.Error())
		return
	}
	model, _ := body["model"].(string)
	if stream, _ := body["stream"].(bool); !stream {
		w.Header().Set("Content-Type", "application/json")
		if anthropic {
			w.Write(anthropicJSON(model, u))
		} else {
			w.Write(openAIJSON(model, u))
		}
		return
	}
	events := openAISSE(model, u, p.events, includeUsage(body))
	if anthropic {
		events = anthropicSSE(model, u, p.events)
	}
	p.stream(w, r, events)
}

// checkCredential says why a request does not carry exactly the upstream
// credential the gateway must inject, or "".
func checkCredential(r *http.Request, anthropic bool) string {
	for name, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, "mwt_") || strings.Contains(v, "wsk_") {
				return "the client's token reached the upstream in " + name
			}
		}
	}
	if anthropic && r.Header.Get("x-api-key") != upstreamSecret {
		return "no upstream credential in x-api-key"
	}
	if !anthropic && r.Header.Get("Authorization") != "Bearer "+upstreamSecret {
		return "no upstream credential in Authorization"
	}
	return ""
}

// includeUsage reports whether an OpenAI request asks for stream usage.
func includeUsage(body map[string]any) bool {
	o, _ := body["stream_options"].(map[string]any)
	v, _ := o["include_usage"].(bool)
	return v
}

// stream writes events as one SSE response, flushing after each; with
// gateHeader set it holds after the first event until the gate opens.
func (p *provider) stream(w http.ResponseWriter, r *http.Request, events []string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl := w.(http.Flusher)
	for i, e := range events {
		if _, err := io.WriteString(w, e); err != nil {
			return
		}
		fl.Flush()
		if name := r.Header.Get(gateHeader); i == 0 && name != "" {
			g := p.gate(name)
			p.held <- name
			select {
			case <-g:
			case <-r.Context().Done():
				return
			}
		}
	}
}

// openAIUsage renders u as an OpenAI chat usage object.
func openAIUsage(u llmUsage) string {
	prompt, completion := u.Input+u.CachedRead, u.Output+u.Reasoning
	return fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,`+
		`"prompt_tokens_details":{"cached_tokens":%d},"completion_tokens_details":{"reasoning_tokens":%d}}`,
		prompt, completion, prompt+completion, u.CachedRead, u.Reasoning)
}

const openAIID = `"id":"chatcmpl-test0001","created":1767225600`

// openAIJSON is the provider's chat completion for model with usage u.
func openAIJSON(model string, u llmUsage) []byte {
	return fmt.Appendf(nil, `{%s,"object":"chat.completion","model":%q,"choices":[{"index":0,`+
		`"message":{"role":"assistant","content":"Hello from the loopback provider."},"finish_reason":"stop"}],`+
		`"usage":%s}`, openAIID, model, openAIUsage(u))
}

// openAISSE is the provider's chat completion stream for model: a role
// chunk, n content chunks, a stop chunk and, when withUsage, "usage":null in
// each of those and a last chunk with empty choices and u; then [DONE].
// Each element is one event, "data: …\n\n".
func openAISSE(model string, u llmUsage, n int, withUsage bool) []string {
	null := ""
	if withUsage {
		null = `,"usage":null`
	}
	chunk := func(choices string) string {
		return fmt.Sprintf("data: {%s,\"object\":\"chat.completion.chunk\",\"model\":%q,\"choices\":%s%s}\n\n",
			openAIID, model, choices, null)
	}
	out := []string{chunk(`[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]`)}
	for i := 0; i < n; i++ {
		out = append(out, chunk(fmt.Sprintf(`[{"index":0,"delta":{"content":"word%d "},"finish_reason":null}]`, i)))
	}
	out = append(out, chunk(`[{"index":0,"delta":{},"finish_reason":"stop"}]`))
	if withUsage {
		out = append(out, fmt.Sprintf("data: {%s,\"object\":\"chat.completion.chunk\",\"model\":%q,\"choices\":[],\"usage\":%s}\n\n",
			openAIID, model, openAIUsage(u)))
	}
	return append(out, "data: [DONE]\n\n")
}

// anthropicUsage renders u as an Anthropic usage object with output tokens out.
func anthropicUsage(u llmUsage, out int64) string {
	return fmt.Sprintf(`{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"output_tokens":%d}`,
		u.Input, u.CachedWrite, u.CachedRead, out)
}

// anthropicJSON is the provider's message for model with usage u (output
// includes thinking, so Reasoning is folded into output_tokens).
func anthropicJSON(model string, u llmUsage) []byte {
	return fmt.Appendf(nil, `{"id":"msg_test0001","type":"message","role":"assistant","model":%q,`+
		`"content":[{"type":"text","text":"Hello from the loopback provider."}],"stop_reason":"end_turn",`+
		`"stop_sequence":null,"usage":%s}`, model, anthropicUsage(u, u.Output+u.Reasoning))
}

// anthropicSSE is the provider's message stream for model, as Anthropic
// sends it: message_start with the input and cache counts and a provisional
// output count of 1, a ping, one text block of n deltas, message_delta with
// the cumulative totals (input and cache repeated, as the API now does), and
// message_stop.
func anthropicSSE(model string, u llmUsage, n int) []string {
	ev := func(typ, data string) string { return "event: " + typ + "\ndata: " + data + "\n\n" }
	out := []string{
		ev("message_start", fmt.Sprintf(`{"type":"message_start","message":{"id":"msg_test0001","type":"message",`+
			`"role":"assistant","model":%q,"content":[],"stop_reason":null,"stop_sequence":null,"usage":%s}}`,
			model, anthropicUsage(u, 1))),
		ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
		ev("ping", `{"type": "ping"}`),
	}
	for i := 0; i < n; i++ {
		out = append(out, ev("content_block_delta",
			fmt.Sprintf(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"word%d "}}`, i)))
	}
	return append(out,
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`),
		ev("message_delta", fmt.Sprintf(`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":%s}`,
			anthropicUsage(u, u.Output+u.Reasoning))),
		ev("message_stop", `{"type":"message_stop"}`))
}
