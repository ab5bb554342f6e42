package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// Usage the loopback LLM upstream reports, and the tokens it means.
const (
	openAIUsage    = `{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":20},"completion_tokens_details":{"reasoning_tokens":10}}`
	anthropicStart = `{"input_tokens":100,"cache_creation_input_tokens":50,"cache_read_input_tokens":200,"output_tokens":1}`
	anthropicUsage = `{"input_tokens":100,"cache_creation_input_tokens":50,"cache_read_input_tokens":200,"output_tokens":40}`
)

var (
	openAITokens    = store.Tokens{Input: 100, CachedRead: 20, Output: 20, Reasoning: 10}
	anthropicTokens = store.Tokens{Input: 100, CachedWrite: 50, CachedRead: 200, Output: 40}
	// anthropicStartTokens is what message_start alone says.
	anthropicStartTokens = store.Tokens{Input: 100, CachedWrite: 50, CachedRead: 200, Output: 1}
)

// llm is a loopback upstream that answers OpenAI chat completions
// (/v1/chat/completions) and Anthropic messages (/v1/messages) in each
// provider's format, plain or streamed as the request asks, with usage.
// Streams can be paused after their first event and cut mid-way, and the
// test can watch each request arrive.
type llm struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string

	gate    chan struct{} // when set, every answer waits for a value (or close) before starting
	first   chan struct{} // when set, receives a value once a stream's first event was flushed
	resume  chan struct{} // when set, a stream waits on it after its first event
	filler  int           // streams: extra content events before the end
	cut     bool          // streams: break the connection after the first events, before any usage
	noUsage bool          // OpenAI streams: never send a usage chunk
	pad     int           // OpenAI JSON answers: bytes of padding before the usage
}

func newLLM(t testing.TB, edit func(*llm)) *llm {
	l := &llm{}
	if edit != nil {
		edit(l)
	}
	l.Server = httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(l.Close)
	return l
}

func (l *llm) received() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.bodies...)
}

func (l *llm) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.bodies = append(l.bodies, string(b))
	l.mu.Unlock()
	var req struct {
		Stream        bool `json:"stream"`
		StreamOptions *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if json.Unmarshal(b, &req) != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, 400)
		return
	}
	if l.gate != nil {
		<-l.gate
	}
	anthropic := strings.HasSuffix(r.URL.Path, "/messages")
	switch {
	case !req.Stream && anthropic:
		writeJSON(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":`+anthropicUsage+`}`)
	case !req.Stream:
		writeJSON(w, `{"id":"c1","object":"chat.completion","created":1,"model":"gpt-test","padding":"`+strings.Repeat("x", l.pad)+
			`","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":`+openAIUsage+`}`)
	case anthropic:
		l.stream(w, anthropicEvents(l.filler))
	default:
		include := req.StreamOptions != nil && req.StreamOptions.IncludeUsage && !l.noUsage
		l.stream(w, openAIEvents(include, l.filler))
	}
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

// stream writes events one by one, flushing each.
func (l *llm) stream(w http.ResponseWriter, events []string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	f := w.(http.Flusher)
	for i, ev := range events {
		_, _ = io.WriteString(w, ev)
		f.Flush()
		if i == 0 && l.first != nil {
			l.first <- struct{}{}
		}
		if i == 0 && l.resume != nil {
			<-l.resume
		}
		if i == 1 && l.cut {
			panic(http.ErrAbortHandler) // the connection breaks mid-stream
		}
	}
}

// openAIEvents is an OpenAI chat completion stream: a role chunk, filler+1
// content chunks, a finish chunk, with include_usage a "usage":null member
// on each and a final usage chunk with empty choices, then [DONE].
func openAIEvents(includeUsage bool, filler int) []string {
	null := ""
	if includeUsage {
		null = `,"usage":null`
	}
	chunk := func(choices, usage string) string {
		return `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":` + choices + usage + "}\n\n"
	}
	evs := []string{chunk(`[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]`, null)}
	for range filler + 1 {
		evs = append(evs, chunk(`[{"index":0,"delta":{"content":"Hello, this is a filler event."},"finish_reason":null}]`, null))
	}
	evs = append(evs, chunk(`[{"index":0,"delta":{},"finish_reason":"stop"}]`, null))
	if includeUsage {
		evs = append(evs, chunk(`[]`, `,"usage":`+openAIUsage))
	}
	return append(evs, "data: [DONE]\n\n")
}

// anthropicEvents is an Anthropic messages stream whose message_start and
// message_delta both carry cache counts (they must not be added), with
// filler+1 text deltas.
func anthropicEvents(filler int) []string {
	ev := func(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }
	evs := []string{
		ev("message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[],"usage":`+anthropicStart+`}}`),
		ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
	}
	for range filler + 1 {
		evs = append(evs, ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`))
	}
	return append(evs,
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`),
		ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":`+anthropicUsage+`}`),
		ev("message_stop", `{"type":"message_stop"}`))
}
