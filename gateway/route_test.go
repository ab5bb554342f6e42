package gateway

import (
	"bytes"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestParseRoute checks the split of /{upstream}/{rest}?q on typical and
// hostile URIs.
func TestParseRoute(t *testing.T) {
	cases := []struct {
		uri, name, rest string
		ok              bool
	}{
		{"/openai/v1/chat/completions", "openai", "/v1/chat/completions", true},
		{"/mcp-github", "mcp-github", "", true},
		{"/mcp?x=1", "mcp", "?x=1", true},
		{"/a.b_c-1/", "a.b_c-1", "/", true},
		{"/", "", "", false},
		{"", "", "", false},
		{"openai/v1", "", "", false},
		{"//v1", "", "", false},
		{"/../x", "", "", false},
		{"/a%2Fb/x", "", "", false},
		{"/é/x", "", "", false},
	}
	for _, c := range cases {
		name, rest, ok := parseRoute([]byte(c.uri))
		if ok != c.ok || string(name) != c.name || string(rest) != c.rest {
			t.Errorf("parseRoute(%q) = %q, %q, %v; want %q, %q, %v", c.uri, name, rest, ok, c.name, c.rest, c.ok)
		}
	}
}

// TestCleanRest checks dot segments are refused, literal or encoded, and
// dots inside names or the query are not.
func TestCleanRest(t *testing.T) {
	for rest, want := range map[string]bool{
		"": true, "/v1/chat": true, "/a..b/c.d": true, "?x=/../": true, "/v1/.well-known/x": true,
		"/..": false, "/./x": false, "/v1/../x": false, "/%2e%2E/x": false, "/.%2e": false, "/x/..?q": false,
		"/up/..%2fother": false, "/x/..%5Cy": false, "/x\\..\\y": false, "/x%2F..%2Fy": false, "/a%2Fb": true, "/a\\b": true,
	} {
		if got := cleanRest([]byte(rest)); got != want {
			t.Errorf("cleanRest(%q) = %v, want %v", rest, got, want)
		}
	}
}

// FuzzParseRoute checks parseRoute never panics, returns only valid names,
// and loses nothing: "/" + name + rest is the input.
func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"/openai/v1/x?y=1", "/mcp", "/", "", "/a/../b", "/%2e%2e/x", "/\xff/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		name, rest, ok := parseRoute([]byte(uri))
		if !ok {
			return
		}
		if !validName(name) || "/"+string(name)+string(rest) != uri {
			t.Fatalf("parseRoute(%q) = %q, %q", uri, name, rest)
		}
		if len(rest) > 0 && rest[0] != '/' && rest[0] != '?' {
			t.Fatalf("rest %q does not start with / or ?", rest)
		}
		_ = cleanRest(rest)
	})
}

// FuzzCredential checks credential extraction from arbitrary header values
// never panics and returns only bytes that some header carried.
func FuzzCredential(f *testing.F) {
	f.Add("Bearer mwt_abc", "", "")
	f.Add("", "wsk_x", "")
	f.Add("basic x", "", " k ")
	f.Add("Bearer \xff\xfe", "\x00", "")
	f.Fuzz(func(t *testing.T, auth, xkey, key string) {
		var h fasthttp.RequestHeader
		h.Set("Authorization", auth)
		h.Set("X-Api-Key", xkey)
		h.Set("Api-Key", key)
		got := credential(&h)
		if len(got) == 0 {
			return
		}
		for _, v := range [][]byte{h.Peek("Authorization"), h.Peek("X-Api-Key"), h.Peek("Api-Key")} {
			if bytes.Contains(v, got) {
				return
			}
		}
		t.Fatalf("credential %q is in no header", got)
	})
}

// TestStripHop checks Connection-listed and hop-by-hop headers go and others stay.
func TestStripHop(t *testing.T) {
	var h fasthttp.RequestHeader
	for k, v := range map[string]string{"Connection": "x-a, X-B ,keep-alive", "X-A": "1", "X-B": "2", "X-C": "3",
		"Keep-Alive": "t", "Te": "trailers", "Upgrade": "h2c", "Trailer": "x", "Proxy-Foo": "1"} {
		h.Set(k, v)
	}
	stripHop(&h)
	stripProxyHeaders(&h)
	for _, k := range []string{"Connection", "X-A", "X-B", "Keep-Alive", "Te", "Upgrade", "Trailer", "Proxy-Foo"} {
		if v := h.Peek(k); len(v) != 0 {
			t.Errorf("%s = %q survived", k, v)
		}
	}
	if string(h.Peek("X-C")) != "3" {
		t.Error("X-C was removed")
	}
}

// TestConfigValidate checks each negative field is refused by name.
func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]Config{
		"MaxBodyBytes": {MaxBodyBytes: -1}, "MaxHeaderBytes": {MaxHeaderBytes: -1}, "ConnectTimeout": {ConnectTimeout: -1},
		"FirstByteTimeout": {FirstByteTimeout: -1}, "IdleTimeout": {IdleTimeout: -1}, "MaxConnsPerUpstream": {MaxConnsPerUpstream: -1},
	} {
		err := c.Validate()
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(name)) {
			t.Errorf("Validate(%s<0) = %v", name, err)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}
