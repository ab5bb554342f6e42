package mcp

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// denyNames returns an allows function refusing the given names.
func denyNames(names ...string) func(string) bool {
	return func(s string) bool {
		for _, n := range names {
			if s == n {
				return false
			}
		}
		return true
	}
}

// TestFilterToolsListRemovesOnlyDenied checks each position of a removed
// tool (first, middle, last, all) and that every other byte stays: other
// tools, whitespace, nextCursor, unknown members.
func TestFilterToolsListRemovesOnlyDenied(t *testing.T) {
	msg := `{"jsonrpc":"2.0","id":2,"result":{"tools":[ {"name":"a","inputSchema":{"type":"object"}}, {"name":"b"} ,{"name":"c","x":[1,{"name":"a"}]} ],"nextCursor":"n1","_meta":{"k":1}}}`
	for _, tc := range []struct {
		deny []string
		want string
	}{
		{nil, msg},
		{[]string{"zzz"}, msg},
		{[]string{"a"}, strings.Replace(msg, `[ {"name":"a","inputSchema":{"type":"object"}}, {"name":"b"} ,`, `[ {"name":"b"} ,`, 1)},
		{[]string{"b"}, strings.Replace(msg, `}}, {"name":"b"} ,{"name":"c"`, `}} ,{"name":"c"`, 1)},
		{[]string{"c"}, strings.Replace(msg, ` ,{"name":"c","x":[1,{"name":"a"}]} ]`, ` ]`, 1)},
		{[]string{"a", "c"}, strings.Replace(msg, `[ {"name":"a","inputSchema":{"type":"object"}}, {"name":"b"} ,{"name":"c","x":[1,{"name":"a"}]} ]`, `[ {"name":"b"} ]`, 1)},
		{[]string{"a", "b", "c"}, strings.Replace(msg, `[ {"name":"a","inputSchema":{"type":"object"}}, {"name":"b"} ,{"name":"c","x":[1,{"name":"a"}]} ]`, `[ ]`, 1)},
	} {
		out, changed := FilterToolsList([]byte("dst:"), []byte(msg), denyNames(tc.deny...))
		if changed {
			out = out[len("dst:"):]
		}
		if string(out) != tc.want || changed != (tc.want != msg) {
			t.Errorf("deny %v: changed %v\n got %s\nwant %s", tc.deny, changed, out, tc.want)
		}
		if !json.Valid(out) {
			t.Errorf("deny %v: invalid JSON", tc.deny)
		}
	}
}

// TestFilterToolsListMatchesKeysAsClientsDo checks that names hidden behind
// escapes or other-case keys are still read, so a client decoding with
// encoding/json sees no denied tool.
func TestFilterToolsListMatchesKeysAsClientsDo(t *testing.T) {
	msg := `{"id":1,"Result":{"TOOLS":[{"Name":"se\u0063ret"},{"name":"ok"},{"name":"ok","name":"secret"},{"nam":"secret"}]}}`
	out, changed := FilterToolsList(nil, []byte(msg), denyNames("secret"))
	if want := `{"id":1,"Result":{"TOOLS":[{"name":"ok"},{"nam":"secret"}]}}`; !changed || string(out) != want {
		t.Errorf("got %s", out)
	}
	for _, bad := range []string{`{"id":1,"result":{"tools":[{"name":"secret"}]}`, `[{"result":{"tools":[{"name":"secret"}]}}]`, ``} {
		if out, changed := FilterToolsList(nil, []byte(bad), denyNames("secret")); changed || string(out) != bad {
			t.Errorf("%q changed", bad)
		}
	}
}

// TestFilterToolsListMakesCacheScopePrivate checks that a filtered list
// is not offered to shared caches as the same for every caller, wherever
// the hint sits, and that an unfiltered one keeps its hint.
func TestFilterToolsListMakesCacheScopePrivate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"id":1,"result":{"ttlMs":0,"cacheScope":"public","tools":[{"name":"a"},{"name":"secret"}]}}`,
			`{"id":1,"result":{"ttlMs":0,"cacheScope":"private","tools":[{"name":"a"}]}}`},
		{`{"id":1,"result":{"tools":[{"name":"secret"}],"cacheScope":"public","ttlMs":5}}`,
			`{"id":1,"result":{"tools":[],"cacheScope":"private","ttlMs":5}}`},
		{`{"id":1,"result":{"cacheScope":"public","tools":[{"name":"a"}]}}`, ""},
		{`{"id":1,"result":{"cacheScope":"private","tools":[{"name":"secret"}]}}`, `{"id":1,"result":{"cacheScope":"private","tools":[]}}`},
	} {
		out, changed := FilterToolsList(nil, []byte(tc.in), denyNames("secret"))
		if tc.want == "" {
			tc.want = tc.in
		}
		if string(out) != tc.want || changed != (tc.want != tc.in) {
			t.Errorf("%s\n got %s\nwant %s", tc.in, out, tc.want)
		}
	}
}

// TestFilterToolsListDoesNotAllocate checks the rewrite costs no
// allocation when dst has room.
func TestFilterToolsListDoesNotAllocate(t *testing.T) {
	msg := []byte(`{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"a"},{"name":"b"},{"name":"c"}]}}`)
	dst := make([]byte, 0, 256)
	p, _ := ParsePolicy("p", nil, []string{"b"})
	if n := testing.AllocsPerRun(100, func() { FilterToolsList(dst[:0], msg, p.Allows) }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}

// TestFilterToolsListClientShapes checks the filter on the tools/list
// shapes of both Go SDKs (go-sdk's recorded answer, mcp-go's sorted
// members with a schema property called "name"), and that go-sdk's client
// types decode the result: only the allowed tools, the cursor kept.
func TestFilterToolsListClientShapes(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"delete_*"})
	mcpgo, err := os.ReadFile("../testdata/mcp/mcp-go/tools-list.json")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("../testdata/mcp/mcp-go/tools-list.filtered.json")
	out, changed := FilterToolsList(nil, bytes.TrimSpace(mcpgo), pol.Allows)
	if !changed || string(out) != string(bytes.TrimSpace(want)) {
		t.Errorf("mcp-go shape:\n got %s\nwant %s", out, want)
	}
	checkSDKDecodes(t, out, []string{"echo"}, "cursor-2")

	sse, err := os.ReadFile("../testdata/mcp/2025-06-18/03.resp")
	if err != nil {
		t.Fatal(err)
	}
	data := sse[bytes.Index(sse, []byte("data: "))+len("data: ") : bytes.LastIndex(sse, []byte("\n\n"))]
	out, changed = FilterToolsList(nil, data, pol.Allows)
	if !changed {
		t.Fatalf("go-sdk shape unchanged: %s", data)
	}
	checkSDKDecodes(t, out, []string{"echo", "fail", "slow"}, "")
}

// checkSDKDecodes decodes a tools/list response with go-sdk's types.
func checkSDKDecodes(t *testing.T, msg []byte, tools []string, cursor string) {
	t.Helper()
	var r struct {
		Result sdk.ListToolsResult `json:"result"`
	}
	if err := json.Unmarshal(msg, &r); err != nil {
		t.Fatalf("%s: %v", msg, err)
	}
	var names []string
	for _, tool := range r.Result.Tools {
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != strings.Join(tools, ",") || r.Result.NextCursor != cursor {
		t.Errorf("tools %v cursor %q, want %v %q", names, r.Result.NextCursor, tools, cursor)
	}
}
