package mcp

import (
	"encoding/json"
	"strings"
	"testing"
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
