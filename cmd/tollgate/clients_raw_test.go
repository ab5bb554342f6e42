package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestPlainHTTPClientGetsUpstreamBytes: a plain HTTP client gets exactly
// the bytes the provider sent, for each format and mode, except that a
// stream whose client did not ask for usage loses what the gateway's
// include_usage injection added; each request is charged its usage.
// (The SDK tests compare decoded events; this compares the bytes.)
func TestPlainHTTPClientGetsUpstreamBytes(t *testing.T) {
	e := newClientsEnv(t)
	const n = 5 // the provider's content chunks per stream
	cases := []struct {
		name, path, model, body, ctype string
		usage                          llmUsage
		want                           string
	}{
		{"openai json", "/oai/v1/chat/completions", "gpt-test", `{"model":"gpt-test","messages":[]}`, "application/json",
			gptUsage, string(openAIJSON("gpt-test", gptUsage))},
		{"openai sse, usage not asked", "/oai/v1/chat/completions", "gpt-test", `{"model":"gpt-test","stream":true,"messages":[]}`,
			"text/event-stream", gptUsage, strings.Join(openAISSE("gpt-test", gptUsage, n, false), "")},
		{"openai sse, usage asked", "/oai/v1/chat/completions", "gpt-test",
			`{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[]}`,
			"text/event-stream", gptUsage, strings.Join(openAISSE("gpt-test", gptUsage, n, true), "")},
		{"anthropic json", "/ant/v1/messages", "claude-test-1", `{"model":"claude-test-1","max_tokens":9,"messages":[]}`,
			"application/json", claudeUsage, string(anthropicJSON("claude-test-1", claudeUsage))},
		{"anthropic sse", "/ant/v1/messages", "claude-test-1", `{"model":"claude-test-1","max_tokens":9,"stream":true,"messages":[]}`,
			"text/event-stream", claudeUsage, strings.Join(anthropicSSE("claude-test-1", claudeUsage, n), "")},
	}
	var spent int64
	for _, c := range cases {
		status, h, body := dataCall(t, e.p.data, e.ten.token, c.path, []byte(c.body), map[string]string{usageHeader: c.usage.header()})
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), c.ctype) {
			t.Fatalf("%s: %d %q %s", c.name, status, h.Get("Content-Type"), body)
		}
		if string(body) != c.want {
			t.Fatalf("%s: the client got other bytes than the provider sent:\n got %q\nwant %q", c.name, body, c.want)
		}
		spent = e.charged(t, c.model, c.usage, spent)
	}
}
