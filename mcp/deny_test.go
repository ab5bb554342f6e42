package mcp

import (
	"encoding/json"
	"strings"
	"testing"
)

// rpcError is a JSON-RPC error response as a client decodes it.
type rpcError struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   struct {
		Code    int            `json:"code"`
		Message string         `json:"message"`
		Data    map[string]any `json:"data"`
	} `json:"error"`
}

func decodeError(t *testing.T, b []byte) rpcError {
	t.Helper()
	var e rpcError
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return e
}

// TestErrorResponseEscapes checks that any message, including quotes,
// control characters and invalid UTF-8, yields valid JSON that decodes to
// the message (invalid bytes as U+FFFD).
func TestErrorResponseEscapes(t *testing.T) {
	msg := "a \"quoted\" \\ back\nslash\x01 \u2028 é \xff end"
	out := ErrorResponse(nil, []byte(`"id-1"`), -32600, msg)
	e := decodeError(t, out)
	if e.JSONRPC != "2.0" || string(e.ID) != `"id-1"` || e.Error.Code != -32600 || e.Error.Message != strings.ToValidUTF8(msg, "\uFFFD") {
		t.Errorf("%s", out)
	}
	if null := decodeError(t, ErrorResponse(nil, nil, -32700, "x")); string(null.ID) != "null" {
		t.Errorf("nil id = %s", null.ID)
	}
}

// TestDenyCallNamesToolAndPolicy checks the denial a client shows its user.
func TestDenyCallNamesToolAndPolicy(t *testing.T) {
	out := DenyCall([]byte("prefix:"), []byte("7"), `del"ete`, "acme/github")
	if !strings.HasPrefix(string(out), "prefix:") {
		t.Fatal("dst not kept")
	}
	e := decodeError(t, out[len("prefix:"):])
	if e.Error.Code != CodeDenied || e.Error.Message != `tool "del\"ete" denied by policy "acme/github"` ||
		e.Error.Data["tool"] != `del"ete` || e.Error.Data["policy"] != "acme/github" || string(e.ID) != "7" {
		t.Errorf("%s", out)
	}
}

// TestSplitBatchAndMerge checks the batch path: denied messages cut out,
// kept ones byte for byte, an error for each denied request (none for a
// notification), and the errors merged into each shape of upstream answer.
func TestSplitBatchAndMerge(t *testing.T) {
	body := []byte(`[ {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get"}},
	  {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"drop"}},
	  {"jsonrpc":"2.0","method":"tools/call","params":{"name":"drop"}},
	  {"jsonrpc":"2.0","id":3,"method":"tools/list"} ]`)
	calls, _, err := Inspect(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ParsePolicy("pol", nil, []string{"drop"})
	deny := func(i int) (string, bool) {
		if c := calls[i]; c.IsToolCall() {
			if d := p.DeniedBy(c.Tool); d != nil {
				return d.Name(), true
			}
		}
		return "", false
	}
	fwd, errs := SplitBatch(nil, body, calls, deny)
	want := `[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get"}},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]`
	if string(fwd) != want {
		t.Errorf("forward = %s", fwd)
	}
	if len(errs) != 1 || string(decodeError(t, errs[0]).ID) != "2" {
		t.Fatalf("errs = %q", errs)
	}
	for _, tc := range []struct{ upstream, want string }{
		{` [ {"id":1,"result":{}} , {"id":3,"result":{}} ] `, ` [ {"id":1,"result":{}} , {"id":3,"result":{}} ,` + string(errs[0]) + `] `},
		{`[]`, `[` + string(errs[0]) + `]`},
		{``, `[` + string(errs[0]) + `]`},
		{`{"id":1,"result":{}}`, `[{"id":1,"result":{}},` + string(errs[0]) + `]`},
		{`not json`, `not json`},
	} {
		got := MergeBatchResponse(nil, []byte(tc.upstream), errs)
		if string(got) != tc.want {
			t.Errorf("merge %q = %s\nwant %s", tc.upstream, got, tc.want)
		}
		if tc.upstream != "not json" && !json.Valid(got) {
			t.Errorf("merge %q is not JSON", tc.upstream)
		}
	}
	all, errs2 := SplitBatch(nil, body, calls, func(int) (string, bool) { return "", true })
	if all != nil || len(errs2) != 3 {
		t.Errorf("all denied: forward %q, %d errs", all, len(errs2))
	}
	ev := ErrorEvent(nil, errs2)
	if strings.Count(string(ev), "event: message\ndata: {") != 3 || !strings.HasSuffix(string(ev), "}\n\n") {
		t.Errorf("ErrorEvent = %q", ev)
	}
}

// TestSplitBatchKeepsAllWithoutAllocating checks the common case, nothing
// denied, costs no allocation.
func TestSplitBatchKeepsAllWithoutAllocating(t *testing.T) {
	body := []byte(`[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get"}},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]`)
	calls, _, _ := Inspect(body, nil)
	dst := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() {
		SplitBatch(dst[:0], body, calls, func(int) (string, bool) { return "", false })
	}); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
