package mcp

import (
	"errors"
	"strings"
	"testing"
)

// TestEndpointRewrite checks the 2024-11-05 endpoint URIs servers send
// (paths, absolute URLs, relative references, base paths) become gateway
// paths, and that anything pointing elsewhere is refused, since the client
// would send its gateway token there.
func TestEndpointRewrite(t *testing.T) {
	for _, tc := range []struct {
		name             string
		upstream, stream string
		uri, want        string
	}{
		{"path", "http://10.0.0.5:8080", "", "/messages?sessionId=abc", "/gh/messages?sessionId=abc"},
		{"absolute", "http://10.0.0.5:8080", "", "http://10.0.0.5:8080/messages?sessionId=abc", "/gh/messages?sessionId=abc"},
		{"host case and default port", "https://MCP.example.com", "", "https://mcp.example.com:443/m?x=1&y=%2F", "/gh/m?x=1&y=%2F"},
		{"base path", "http://h/api/v1", "", "/api/v1/messages/?sessionid=Q", "/gh/messages/?sessionid=Q"},
		{"base path with slash", "http://h/api/", "", "/api/messages", "/gh/messages"},
		{"base path itself", "http://h/api", "", "/api?s=1", "/gh?s=1"},
		{"relative to the stream", "http://h/api", "http://h/api/sse", "messages?sessionId=1", "/gh/messages?sessionId=1"},
		{"query only, as go-sdk sends", "http://h/api", "http://h/api/sse", "?sessionid=XYZ", "/gh/sse?sessionid=XYZ"},
		{"escaped path kept", "http://h", "", "/a%20b/c", "/gh/a%20b/c"},
		{"fragment dropped", "http://h", "", "/m?s=1#frag", "/gh/m?s=1"},
		{"surrounding space", "http://h", "", " /m \r", "/gh/m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Endpoint{Upstream: tc.upstream, Stream: tc.stream, Prefix: "/gh"}
			got, err := e.Rewrite([]byte("x"), []byte(tc.uri))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "x"+tc.want {
				t.Errorf("got %s, want %s", got[1:], tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, upstream, uri string }{
		{"other host", "http://h:8080", "http://evil.example/messages"},
		{"other port", "http://h:8080", "http://h:9090/messages"},
		{"other scheme", "https://h", "http://h/messages"},
		{"scheme-relative", "http://h", "//evil.example/m"},
		{"not http", "http://h", "javascript:alert(1)"},
		{"outside base path", "http://h/api", "/other/messages"},
		{"prefix look-alike", "http://h/api", "/apix/messages"},
		{"dot segments escape base", "http://h/api", "/api/../admin"},
		{"encoded dot segments", "http://h/api", "/api/%2e%2e/admin"},
		{"bad upstream", "not a url", "/m"},
		{"unparsable", "http://h", "http://[::1/m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Endpoint{Upstream: tc.upstream, Prefix: "/gh"}
			_, err := e.Rewrite(nil, []byte(tc.uri+"?sessionId=SECRET"))
			if !errors.Is(err, ErrEndpoint) || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("err = %v", err)
			}
		})
	}
	if _, err := (&Endpoint{Upstream: "http://h", Prefix: "gh"}).Rewrite(nil, []byte("/m")); !errors.Is(err, ErrEndpoint) {
		t.Errorf("prefix without slash: %v", err)
	}
}
