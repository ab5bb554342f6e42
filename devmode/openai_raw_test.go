package devmode

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// post sends body to path on srv with the demo credential and returns the
// status and body.
func post(t *testing.T, srv *httptest.Server, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testCredential)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

type errorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// TestOpenAIBadRequestsAre400 checks that each malformed request gets a 400
// OpenAI-shaped error naming the parameter at fault.
func TestOpenAIBadRequestsAre400(t *testing.T) {
	srv := newOpenAIServer(t)
	cases := []struct {
		name, body, param, inMsg string
	}{
		{"bad json", `{"model":`, "", "not valid JSON"},
		{"not an object", `[1,2]`, "", "not valid JSON"},
		{"missing model", `{"messages":[{"role":"user","content":"hi"}]}`, "model", "model"},
		{"missing messages", `{"model":"demo-chat"}`, "messages", "non-empty"},
		{"empty messages", `{"model":"demo-chat","messages":[]}`, "messages", "non-empty"},
		{"missing role", `{"model":"demo-chat","messages":[{"content":"hi"}]}`, "messages[0].role", "required"},
		{"content number", `{"model":"demo-chat","messages":[{"role":"user","content":7}]}`, "messages[0].content", "string or an array"},
		{"negative max_tokens", `{"model":"demo-chat","max_tokens":-1,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens", "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := post(t, srv, http.MethodPost, "/v1/chat/completions", tc.body)
			if status != http.StatusBadRequest || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d type %q, want 400 JSON; body %s", status, h.Get("Content-Type"), body)
			}
			var e errorBody
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("error body %q: %v", body, err)
			}
			if e.Error.Type != "invalid_request_error" || !strings.Contains(e.Error.Message, tc.inMsg) {
				t.Errorf("error = %+v, want invalid_request_error mentioning %q", e.Error, tc.inMsg)
			}
			gotParam := ""
			if e.Error.Param != nil {
				gotParam = *e.Error.Param
			}
			if gotParam != tc.param {
				t.Errorf("param = %q, want %q", gotParam, tc.param)
			}
		})
	}
}

// TestOpenAIRoutingErrors checks unknown paths (404) and wrong methods (405)
// get OpenAI-shaped errors.
func TestOpenAIRoutingErrors(t *testing.T) {
	srv := newOpenAIServer(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/v1/completions", http.StatusNotFound},
		{http.MethodGet, "/v1/chat/completions", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v1/models", http.StatusMethodNotAllowed},
	} {
		status, _, body := post(t, srv, tc.method, tc.path, "{}")
		var e errorBody
		if status != tc.status || json.Unmarshal([]byte(body), &e) != nil || e.Error.Message == "" {
			t.Errorf("%s %s: status %d body %s, want %d with error", tc.method, tc.path, status, body, tc.status)
		}
	}
}

// TestOpenAIUnauthorizedDoesNotEchoCredential checks the 401 body never
// repeats what the client sent.
func TestOpenAIUnauthorizedDoesNotEchoCredential(t *testing.T) {
	srv := newOpenAIServer(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer mwt_leaky_token")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "mwt_leaky_token") ||
		strings.Contains(string(body), testCredential) {
		t.Errorf("status %d body %s", resp.StatusCode, body)
	}
}

// TestOpenAIMaxTokensCutsReply checks max_tokens truncates the reply with
// finish_reason "length" and usage to match.
func TestOpenAIMaxTokensCutsReply(t *testing.T) {
	srv := newOpenAIServer(t)
	status, _, body := post(t, srv, http.MethodPost, "/v1/chat/completions",
		`{"model":"m","max_tokens":3,"messages":[{"role":"user","content":[{"type":"text","text":"one two three four"}]}]}`)
	var resp chatResponse
	if status != http.StatusOK || json.Unmarshal([]byte(body), &resp) != nil {
		t.Fatalf("status %d body %s", status, body)
	}
	c := resp.Choices[0]
	if c.Message.Content != "You said: one" || c.FinishReason != "length" || resp.Usage.CompletionTokens != 3 ||
		resp.Usage.PromptTokens != 4 {
		t.Errorf("got %+v usage %+v", c, resp.Usage)
	}
}

// TestOpenAIStreamWireFormat checks the exact SSE framing: data lines only,
// role delta first, word deltas, finish chunk, usage chunk with choices [],
// and [DONE] last.
func TestOpenAIStreamWireFormat(t *testing.T) {
	srv := newOpenAIServer(t)
	status, h, body := post(t, srv, http.MethodPost, "/v1/chat/completions",
		`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`)
	if status != http.StatusOK || h.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("status %d type %q", status, h.Get("Content-Type"))
	}
	events := strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n")
	want := []string{
		`{"id":"chatcmpl-demo1","object":"chat.completion.chunk","created":1767323045,"model":"m","service_tier":"default","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}`,
		`{"id":"chatcmpl-demo1","object":"chat.completion.chunk","created":1767323045,"model":"m","service_tier":"default","choices":[{"index":0,"delta":{"content":"You"},"logprobs":null,"finish_reason":null}],"usage":null}`,
		`{"id":"chatcmpl-demo1","object":"chat.completion.chunk","created":1767323045,"model":"m","service_tier":"default","choices":[{"index":0,"delta":{"content":" said:"},"logprobs":null,"finish_reason":null}],"usage":null}`,
		`{"id":"chatcmpl-demo1","object":"chat.completion.chunk","created":1767323045,"model":"m","service_tier":"default","choices":[{"index":0,"delta":{"content":" hi"},"logprobs":null,"finish_reason":null}],"usage":null}`,
		`{"id":"chatcmpl-demo1","object":"chat.completion.chunk","created":1767323045,"model":"m","service_tier":"default","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`,
		`{"id":"chatcmpl-demo1","object":"chat.completion.chunk","created":1767323045,"model":"m","service_tier":"default","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":3,"total_tokens":4,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
		`[DONE]`,
	}
	if len(events) != len(want) {
		t.Fatalf("got %d events, want %d:\n%s", len(events), len(want), body)
	}
	for i, ev := range events {
		if ev != "data: "+want[i] {
			t.Errorf("event %d:\n got %s\nwant data: %s", i, ev, want[i])
		}
	}
}

// TestOpenAIStreamWithoutUsageOmitsIt checks that a client that did not ask
// for usage gets no usage field and no usage chunk, as from OpenAI.
func TestOpenAIStreamWithoutUsageOmitsIt(t *testing.T) {
	srv := newOpenAIServer(t)
	_, _, body := post(t, srv, http.MethodPost, "/v1/chat/completions",
		`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if strings.Contains(body, `"usage"`) || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Errorf("body:\n%s", body)
	}
	if n := strings.Count(body, "data: "); n != 6 {
		t.Errorf("got %d events, want 6", n)
	}
}

// flushCounter is an http.ResponseWriter that counts flushes.
type flushCounter struct {
	*httptest.ResponseRecorder
	flushes int
}

func (f *flushCounter) Flush() { f.flushes++; f.ResponseRecorder.Flush() }

// TestOpenAIStreamFlushesEveryEvent checks one flush per SSE event, so a
// gateway sees each event as soon as it is written.
func TestOpenAIStreamFlushesEveryEvent(t *testing.T) {
	h := NewOpenAI(testCredential)
	req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions",
		strings.NewReader(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"a b c"}]}`))
	req.Header.Set("Authorization", "Bearer "+testCredential)
	w := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(w, req)
	events := strings.Count(w.Body.String(), "data: ")
	if events != 9 || w.flushes != events {
		t.Errorf("events %d flushes %d, want 9 and 9", events, w.flushes)
	}
}

// TestOpenAIStreamStopsWhenClientGone checks that nothing is written once the
// request context is cancelled.
func TestOpenAIStreamStopsWhenClientGone(t *testing.T) {
	h := NewOpenAI(testCredential)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/chat/completions",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"a b c"}]}`))
	req.Header.Set("Authorization", "Bearer "+testCredential)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Body.Len() != 0 {
		t.Errorf("wrote %q after the client went away", w.Body.String())
	}
}

// TestOpenAIOversizedBodyIs413 checks that a body over the limit is refused
// with an error that says so, not read whole.
func TestOpenAIOversizedBodyIs413(t *testing.T) {
	srv := newOpenAIServer(t)
	body := `{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("a", maxBody) + `"}]}`
	status, _, resp := post(t, srv, http.MethodPost, "/v1/chat/completions", body)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(resp, "exceeds") {
		t.Errorf("status %d body %s", status, resp)
	}
}
