package mcp

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckOrigin checks Origin validation: browsers only from listed
// origins, non-browser clients (no Origin) always.
func TestCheckOrigin(t *testing.T) {
	allowed := []string{"https://app.example.com", "http://localhost:5173"}
	for origin, want := range map[string]bool{
		"":                          true,
		"https://app.example.com":   true,
		"HTTPS://APP.EXAMPLE.COM":   true,
		"http://localhost:5173":     true,
		"http://localhost:5174":     false,
		"https://app.example.com.x": false,
		"https://evil.example":      false,
		"null":                      false,
	} {
		if CheckOrigin([]byte(origin), allowed) != want {
			t.Errorf("%q: %v", origin, !want)
		}
	}
	if !CheckOrigin([]byte("https://any"), []string{"*"}) || CheckOrigin([]byte("https://any"), nil) {
		t.Error("* must allow all, nothing must allow no browser")
	}
	if n := testing.AllocsPerRun(100, func() { CheckOrigin([]byte("http://localhost:5173"), allowed) }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}

// TestHeaderMismatch checks that 2026-07-28 Mcp-Method and Mcp-Name
// headers must agree with the body, so that a client cannot show one tool
// to something routing on headers and call another.
func TestHeaderMismatch(t *testing.T) {
	inspect := func(body string) []Call {
		calls, _, err := Inspect([]byte(body), nil)
		if err != nil {
			t.Fatal(err)
		}
		return calls
	}
	call := inspect(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tööl"}}`)
	read := inspect(`{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a"}}`)
	list := inspect(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	batch := inspect(`[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]`)
	resp := inspect(`{"jsonrpc":"2.0","id":1,"result":{}}`)
	for _, tc := range []struct {
		name, method, hname string
		calls               []Call
		says                string // "" for agreement
	}{
		{"absent", "", "", call, ""},
		{"agree", "tools/call", "=?base64?dMO2w7Zs?=", call, ""},
		{"method only", "tools/list", "", list, ""},
		{"name on a method without one", "tools/list", "whatever", list, ""},
		{"uri", "resources/read", "file:///a", read, ""},
		{"other method", "tools/list", "", call, `Mcp-Method header "tools/list", body method "tools/call"`},
		{"other tool", "tools/call", "echo", call, `Mcp-Name header "echo", body params.name "tööl"`},
		{"other tool in base64", "tools/call", "=?base64?ZWNobw==?=", call, "body params.name"},
		{"bad base64", "tools/call", "=?base64?***?=", call, "not valid base64"},
		{"name alone still checked", "", "echo", call, "Mcp-Name"},
		{"batch", "tools/list", "", batch, "batch of 2"},
		{"response", "tools/list", "", resp, "on a response"},
	} {
		err := HeaderMismatch([]byte(tc.method), []byte(tc.hname), tc.calls)
		switch {
		case tc.says == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.says != "" && (!errors.Is(err, ErrHeaderMismatch) || !strings.Contains(err.Error(), tc.says)):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.says)
		}
	}
	method, name := []byte("tools/call"), []byte("=?base64?dMO2w7Zs?=")
	if n := testing.AllocsPerRun(100, func() { HeaderMismatch(method, name, call) }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
