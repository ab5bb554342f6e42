package devmode

import (
	"strings"
	"testing"
)

// TestBuildReply checks the deterministic reply and token counts.
func TestBuildReply(t *testing.T) {
	cases := []struct {
		name, body, content, finish string
		prompt                      int
	}{
		{"echo last user", `{"model":"m","messages":[{"role":"user","content":"first"},{"role":"assistant","content":"ok then"},{"role":"user","content":"second one"}]}`,
			"You said: second one", "stop", 5},
		{"no user text", `{"model":"m","messages":[{"role":"system","content":null}]}`, greeting, "stop", 1},
		{"parts skip images", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"look"}]}]}`,
			"You said: look", "stop", 1},
		{"max_completion_tokens wins", `{"model":"m","max_tokens":1,"max_completion_tokens":2,"messages":[{"role":"user","content":"a b"}]}`,
			"You said:", "length", 2},
		{"long input capped", `{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("w ", 100) + `"}]}`,
			"You said: " + strings.TrimSpace(strings.Repeat("w ", maxEchoWords)), "stop", 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := parseChatRequest([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			r := buildReply(req)
			if r.content() != tc.content || r.finishReason != tc.finish || r.promptTokens != tc.prompt ||
				r.completionTokens != len(strings.Fields(tc.content)) {
				t.Errorf("got %q %s prompt=%d completion=%d", r.content(), r.finishReason, r.promptTokens, r.completionTokens)
			}
		})
	}
}

// FuzzChatRequest checks that no body panics the parser and that every
// accepted request gets a reply whose usage matches its words.
func FuzzChatRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte(`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"a b"}]}]}`))
	f.Add([]byte(`{"model":`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseChatRequest(body)
		if err != nil {
			if _, ok := err.(*requestError); !ok {
				t.Fatalf("error %T, want *requestError", err)
			}
			return
		}
		r := buildReply(req)
		if r.promptTokens < 1 || r.completionTokens < 1 || r.completionTokens != len(r.words) {
			t.Fatalf("reply %+v", r)
		}
	})
}
