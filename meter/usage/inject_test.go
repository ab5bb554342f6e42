package usage

import (
	"encoding/json"
	"testing"
)

// TestInjectIncludeUsage checks every shape of request the rewrite meets:
// it adds or flips include_usage only for streamed requests, keeps other
// bytes, and refuses what it cannot rewrite safely.
func TestInjectIncludeUsage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"model":"m","stream":true}`, `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`},
		{"{\"stream\": true \n}", "{\"stream\": true,\"stream_options\":{\"include_usage\":true} \n}"},
		{`{"stream":true,"stream_options":null}`, `{"stream":true,"stream_options":{"include_usage":true}}`},
		{`{"stream":true,"stream_options":{}}`, `{"stream":true,"stream_options":{"include_usage":true}}`},
		{`{"stream":true,"stream_options":{ }}`, `{"stream":true,"stream_options":{"include_usage":true}}`},
		{`{"stream":true,"stream_options":{"x":1}}`, `{"stream":true,"stream_options":{"x":1,"include_usage":true}}`},
		{`{"stream":true,"stream_options":{"include_usage":false}}`, `{"stream":true,"stream_options":{"include_usage":true}}`},
		{`{"stream":true,"stream_options":{"include_usage": null ,"x":1}}`, `{"stream":true,"stream_options":{"include_usage": true ,"x":1}}`},
		{`{"stream_options":{"include_usage":false,"include_usage":true},"stream":true}`, `{"stream_options":{"include_usage":true,"include_usage":true},"stream":true}`},
		{"\xef\xbb\xbf{\"stream\":true}", "\xef\xbb\xbf{\"stream\":true,\"stream_options\":{\"include_usage\":true}}"},
		{`{"\u0073tream":true}`, `{"\u0073tream":true,"stream_options":{"include_usage":true}}`},
		// Unchanged:
		{`{"stream":true,"stream_options":{"include_usage":true}}`, ``},
		{`{"stream":false}`, ``},
		{`{"model":"m"}`, ``},
		{`{"stream":"true"}`, ``},
		{`{"stream":true,"stream":true}`, ``},
		{`{"stream":true,"stream_options":{},"stream_options":{}}`, ``},
		{`{"stream":true,"stream_options":[]}`, ``},
		{`{"stream":true`, ``},
		{`{"stream":true}}`, ``},
		{`[{"stream":true}]`, ``},
		{``, ``},
	} {
		out, injected := InjectIncludeUsage(nil, []byte(tc.in))
		if tc.want == "" {
			if injected || string(out) != tc.in {
				t.Errorf("%s: changed to %s, want unchanged", tc.in, out)
			}
			continue
		}
		if !injected || string(out) != tc.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", tc.in, out, injected, tc.want)
		}
	}
}

// TestInjectAppendsToDst checks the buffer contract: the result is appended
// to dst, and the original body is not touched.
func TestInjectAppendsToDst(t *testing.T) {
	body := []byte(`{"stream":true}`)
	out, ok := InjectIncludeUsage([]byte("prefix"), body)
	if !ok || string(out) != `prefix{"stream":true,"stream_options":{"include_usage":true}}` || string(body) != `{"stream":true}` {
		t.Fatalf("got %s", out)
	}
	var v map[string]any
	if err := json.Unmarshal(out[len("prefix"):], &v); err != nil {
		t.Fatal(err)
	}
}
