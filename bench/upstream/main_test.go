package main

import (
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// serve starts the mock on a loopback port and returns its address.
func serve(t *testing.T, events, flush int) string {
	t.Helper()
	sse, err := newSSEBody(events, flush)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: (&mock{sse: sse}).handle}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return ln.Addr().String()
}

// post sends one chat completion request with body and returns the answer.
func post(t *testing.T, addr, body string) (int, string, []byte) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + addr + "/v1/chat/completions")
	req.Header.SetMethod("POST")
	req.SetBodyString(body)
	if err := fasthttp.Do(req, resp); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode(), string(resp.Header.ContentType()), append([]byte(nil), resp.Body()...)
}

// TestUpstreamAnswersChatCompletion checks the mock answers 200 with valid
// JSON carrying usage, because gateways under test parse it.
func TestUpstreamAnswersChatCompletion(t *testing.T) {
	status, _, b := post(t, serve(t, 200, 10), `{"model":"bench-model","messages":[]}`)
	if status != 200 {
		t.Fatalf("status %d, want 200", status)
	}
	var got struct {
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if got.Usage.TotalTokens != 16 {
		t.Fatalf("usage.total_tokens %d, want 16", got.Usage.TotalTokens)
	}
	if n := len(body); n < 250 || n > 350 {
		t.Fatalf("body is %d bytes, want about 300", n)
	}
}

// TestUpstreamStreamsWhenAsked checks a request with "stream":true gets an
// event stream of the configured number of content chunks, every event
// valid JSON, the usage in the last chunk and [DONE] at the end, because
// the streaming benchmark meters exactly that.
func TestUpstreamStreamsWhenAsked(t *testing.T) {
	status, ctype, b := post(t, serve(t, 200, 7), `{"model":"bench-model","stream":true,"messages":[]}`)
	if status != 200 || ctype != "text/event-stream" {
		t.Fatalf("status %d, content type %q; want 200 text/event-stream", status, ctype)
	}
	events := strings.Split(strings.TrimSuffix(string(b), "\n\n"), "\n\n")
	if len(events) != 200+3 {
		t.Fatalf("%d events, want 200 content chunks + stop + usage + [DONE]", len(events))
	}
	if events[len(events)-1] != "data: [DONE]" {
		t.Fatalf("last event %q, want data: [DONE]", events[len(events)-1])
	}
	var usage struct {
		Choices []any
		Usage   *struct {
			Prompt     int `json:"prompt_tokens"`
			Completion int `json:"completion_tokens"`
		}
	}
	for i, e := range events[:len(events)-1] {
		data, ok := strings.CutPrefix(e, "data: ")
		if !ok || !json.Valid([]byte(data)) {
			t.Fatalf("event %d is not one data line of JSON: %q", i, e)
		}
		usage.Usage = nil
		if err := json.Unmarshal([]byte(data), &usage); err != nil {
			t.Fatal(err)
		}
		if last := i == len(events)-2; (usage.Usage != nil) != last {
			t.Fatalf("event %d: usage present %v, want it in the last chunk only", i, usage.Usage != nil)
		}
	}
	if len(usage.Choices) != 0 || usage.Usage.Prompt != ssePromptTokens || usage.Usage.Completion != sseCompletionTokens {
		t.Fatalf("usage chunk = %+v, want empty choices and %d/%d tokens", usage, ssePromptTokens, sseCompletionTokens)
	}
}

// TestSSEBodyGroupsEveryEventOnce checks grouping for flushes neither
// loses nor repeats bytes, whatever the group size.
func TestSSEBodyGroupsEveryEventOnce(t *testing.T) {
	one, err := newSSEBody(50, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, flush := range []int{2, 7, 53, 1000} {
		b, err := newSSEBody(50, flush)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.Join(b.groups, nil), bytes.Join(one.groups, nil)) || b.size != one.size {
			t.Fatalf("flush %d: the stream differs from the ungrouped one", flush)
		}
		if want := (53 + flush - 1) / flush; len(b.groups) != want {
			t.Fatalf("flush %d: %d groups, want %d", flush, len(b.groups), want)
		}
	}
}

// TestSSEBodyRefusesBadFlags checks a zero or negative -events or -flush is
// an error naming both flags, not an empty stream.
func TestSSEBodyRefusesBadFlags(t *testing.T) {
	for _, c := range [][2]int{{0, 10}, {200, 0}, {-1, 1}} {
		if _, err := newSSEBody(c[0], c[1]); err == nil || !strings.Contains(err.Error(), "-events") {
			t.Fatalf("newSSEBody(%d, %d) = %v, want an error naming -events and -flush", c[0], c[1], err)
		}
	}
}
