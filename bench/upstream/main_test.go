package main

import (
	"encoding/json"
	"net"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestUpstreamAnswersChatCompletion checks the mock answers 200 with valid
// JSON carrying usage, because gateways under test parse it.
func TestUpstreamAnswersChatCompletion(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: handle}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })

	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + ln.Addr().String() + "/v1/chat/completions")
	req.Header.SetMethod("POST")
	req.SetBodyString(`{"model":"bench-model","messages":[]}`)
	if err := fasthttp.Do(req, resp); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode())
	}
	var got struct {
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(resp.Body(), &got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if got.Usage.TotalTokens != 16 {
		t.Fatalf("usage.total_tokens %d, want 16", got.Usage.TotalTokens)
	}
	if n := len(body); n < 250 || n > 350 {
		t.Fatalf("body is %d bytes, want about 300", n)
	}
}
