package mcp

import "testing"

// TestOutcomeKinds checks the three outcomes metering records, and that
// requests, notifications and junk are not outcomes.
func TestOutcomeKinds(t *testing.T) {
	for _, tc := range []struct {
		msg, id string
		want    ResultKind
	}{
		{`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}`, "1", OK},
		{`{"jsonrpc":"2.0","id":"x","result":{"content":[],"isError":false}}`, `"x"`, OK},
		{`{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"boom"}],"isError":true}}`, "2", ToolError},
		{`{"id":3,"result":{"isError":true,"isError":false}}`, "3", OK},
		{`{"_meta":{},"content":[],"isError":true}`, "", NoResult},
		{`{"id":4,"result":{"ISERROR":true}}`, "4", ToolError},
		{`{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"unknown tool"}}`, "5", RPCError},
		{`{"jsonrpc":"2.0","id":6,"error":null,"result":{}}`, "6", OK},
		{`{"jsonrpc":"2.0","id":7,"result":null}`, "7", OK},
		{`{"jsonrpc":"2.0","id":8,"method":"sampling/createMessage","params":{}}`, "", NoResult},
		{`{"jsonrpc":"2.0","method":"notifications/progress","params":{}}`, "", NoResult},
		{`{"id":9,"result":{}`, "", NoResult},
		{`{"id":9,"ID":1,"result":{}}`, "", NoResult},
		{`[]`, "", NoResult},
	} {
		id, o := Outcome([]byte(tc.msg))
		if o != tc.want || string(id) != tc.id {
			t.Errorf("%s: %s %v, want %s %v", tc.msg, id, o, tc.id, tc.want)
		}
	}
	var got []string
	Outcomes([]byte(`[{"id":1,"result":{}},{"method":"x"},{"id":2,"error":{}}]`), func(id []byte, o ResultKind) {
		got = append(got, string(id)+"="+o.String())
	})
	if len(got) != 2 || got[0] != "1=ok" || got[1] != "2=rpc_error" {
		t.Errorf("Outcomes = %v", got)
	}
}

// TestOutcomeDoesNotAllocate checks metering costs no allocation.
func TestOutcomeDoesNotAllocate(t *testing.T) {
	msg := []byte(`{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"boom"}],"structuredContent":{"a":[1,2,3]},"isError":true}}`)
	if n := testing.AllocsPerRun(100, func() { Outcome(msg) }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
