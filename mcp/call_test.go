package mcp

import (
	"errors"
	"strings"
	"testing"
)

// TestInspectReadsEachMessage checks kind, method, id, tool and name for
// the message shapes clients POST, so that policies and metering see what
// the upstream will.
func TestInspectReadsEachMessage(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		batch      bool
		want       []Call
	}{
		{"request", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`, false,
			[]Call{{Kind: Request, Method: "tools/list", ID: []byte("1")}}},
		{"tool call", `{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"echo","arguments":{"name":"x"}}}`, false,
			[]Call{{Kind: Request, Method: "tools/call", ID: []byte(`"a-1"`), Tool: "echo", Name: "echo"}}},
		{"params before method", `{"params":{"arguments":{},"name":"echo"},"method":"tools/call","id":2,"jsonrpc":"2.0"}`, false,
			[]Call{{Kind: Request, Method: "tools/call", ID: []byte("2"), Tool: "echo", Name: "echo"}}},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, false,
			[]Call{{Kind: Notification, Method: "notifications/initialized"}}},
		{"response", `{"jsonrpc":"2.0","id":0,"result":{"roots":[]}}`, false,
			[]Call{{Kind: Response, ID: []byte("0")}}},
		{"error response", `{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}}`, false,
			[]Call{{Kind: Response, ID: []byte("null")}}},
		{"escaped method and tool", `{"jsonrpc":"2.0","id":3,"method":"tools\/call","params":{"name":"dan\u0067er"}}`, false,
			[]Call{{Kind: Request, Method: "tools/call", ID: []byte("3"), Tool: "danger", Name: "danger"}}},
		{"keys in another case, as encoding/json matches them", `{"JSONRPC":"2.0","ID":4,"Method":"tools/call","PARAMS":{"Name":"x"}}`, false,
			[]Call{{Kind: Request, Method: "tools/call", ID: []byte("4"), Tool: "x", Name: "x"}}},
		{"key with a long s folds to s", "{\"id\":5,\"method\":\"tools/call\",\"param\u017f\":{\"name\":\"x\"}}", false,
			[]Call{{Kind: Request, Method: "tools/call", ID: []byte("5"), Tool: "x", Name: "x"}}},
		{"prompt name", `{"jsonrpc":"2.0","id":6,"method":"prompts/get","params":{"name":"greet"}}`, false,
			[]Call{{Kind: Request, Method: "prompts/get", ID: []byte("6"), Name: "greet"}}},
		{"resource uri", `{"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":"file:///a"}}`, false,
			[]Call{{Kind: Request, Method: "resources/read", ID: []byte("7"), Name: "file:///a"}}},
		{"integer id written as a float", `{"jsonrpc":"2.0","id":1e3,"method":"ping"}`, false,
			[]Call{{Kind: Request, Method: "ping", ID: []byte("1e3")}}},
		{"batch", " [ {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"a\"}} ,\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":0}}, {\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}} ] ", true,
			[]Call{{Kind: Request, Method: "tools/call", ID: []byte("1"), Tool: "a", Name: "a"},
				{Kind: Notification, Method: "notifications/cancelled"}, {Kind: Response, ID: []byte("9")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, batch, err := Inspect([]byte(tc.body), nil)
			if err != nil {
				t.Fatal(err)
			}
			if batch != tc.batch || len(got) != len(tc.want) {
				t.Fatalf("batch %v, %d calls; want %v, %d", batch, len(got), tc.batch, len(tc.want))
			}
			for i, c := range got {
				w := tc.want[i]
				if c.Kind != w.Kind || c.Method != w.Method || string(c.ID) != string(w.ID) || c.Tool != w.Tool || c.Name != w.Name {
					t.Errorf("call %d = %+v\nwant %+v", i, c, w)
				}
				if raw := tc.body[c.Start:c.End]; raw[0] != '{' || raw[len(raw)-1] != '}' {
					t.Errorf("call %d spans %q", i, raw)
				}
			}
		})
	}
}

// TestInspectRefusesBadInput checks that each kind of bad body gets the
// sentinel and a message naming the problem, since a gateway must not
// forward what it could not read.
func TestInspectRefusesBadInput(t *testing.T) {
	big := "[" + strings.Repeat(`{"jsonrpc":"2.0","method":"ping","id":1},`, MaxBatch) + `{"jsonrpc":"2.0","method":"ping","id":1}]`
	for _, tc := range []struct {
		name, body string
		err        error
		says       string
	}{
		{"empty", ``, ErrInvalidJSON, "unexpected end"},
		{"truncated", `{"jsonrpc":"2.0","id":1,"method":"ping"`, ErrInvalidJSON, "unexpected end"},
		{"trailing garbage", `{"id":1,"method":"ping"} x`, ErrInvalidJSON, "invalid character"},
		{"string", `"tools/call"`, ErrNotMessage, "a string"},
		{"number", `12`, ErrNotMessage, "a number"},
		{"empty batch", ` [ ] `, ErrEmptyBatch, "empty batch"},
		{"batch too large", big, ErrBatchTooLarge, "more than 100"},
		{"batch of numbers", `[1]`, ErrNotMessage, "batch element 0 is a number"},
		{"invalid JSON after a bad element wins", `[1,`, ErrInvalidJSON, ""},
		{"missing method", `{"jsonrpc":"2.0","id":1,"params":{}}`, ErrNotMessage, "missing method"},
		{"method not a string", `{"id":1,"method":7}`, ErrBadMember, "method is a number"},
		{"duplicate method", `{"id":1,"method":"ping","method":"tools/call"}`, ErrDuplicateMember, `"method"`},
		{"duplicate in another case", `{"id":1,"method":"ping","Method":"tools/call"}`, ErrDuplicateMember, `"method"`},
		{"duplicate escaped", `{"id":1,"method":"ping","\u006dethod":"tools/call"}`, ErrDuplicateMember, `"method"`},
		{"duplicate tool name", `{"id":1,"method":"tools/call","params":{"name":"a","NAME":"b"}}`, ErrDuplicateMember, "params.name"},
		{"tool call without name", `{"id":1,"method":"tools/call","params":{}}`, ErrBadMember, "params.name"},
		{"tool call with a number name", `{"id":1,"method":"tools/call","params":{"name":1}}`, ErrBadMember, "params.name"},
		{"tool call with params array", `{"id":1,"method":"tools/call","params":["a"]}`, ErrBadMember, "params.name"},
		{"null id in a request", `{"id":null,"method":"ping"}`, ErrBadMember, "id is null"},
		{"fractional id", `{"id":1.5,"method":"ping"}`, ErrBadMember, "not an integer"},
		{"unsafe integer id", `{"id":9007199254740993,"method":"ping"}`, ErrBadMember, "not an integer"},
		{"object id", `{"id":{},"method":"ping"}`, ErrBadMember, "an object"},
		{"element error is numbered", `[{"id":1,"method":"ping"},{"id":true,"method":"ping"}]`, ErrBadMember, "batch element 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, _, err := Inspect([]byte(tc.body), nil)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err %q does not say %q", err, tc.says)
			}
			if len(calls) != 0 {
				t.Errorf("calls = %v on error", calls)
			}
		})
	}
}

// TestInspectDoesNotAllocate checks the request path: Inspect of a
// tools/call, a batch, and with reused dst, allocates nothing.
func TestInspectDoesNotAllocate(t *testing.T) {
	single := []byte(`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"search_issues","arguments":{"q":"is:open label:bug","limit":20},"_meta":{"progressToken":"p-12"}}}`)
	batch := []byte(`[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a"}}]`)
	dst := make([]Call, 0, 4)
	for _, body := range [][]byte{single, batch} {
		if n := testing.AllocsPerRun(100, func() {
			if _, _, err := Inspect(body, dst[:0]); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocs", body[:20], n)
		}
	}
}

// TestSameIDMatchesEchoedIDs checks the id matching responses rely on: a
// server re-encodes the id it echoes.
func TestSameIDMatchesEchoedIDs(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{`1`, `1`, true}, {`1`, `1.0`, true}, {`100`, `1e2`, true}, {`-0`, `0`, true}, {`1`, `2`, false},
		{`"a"`, `"\u0061"`, true}, {`"a"`, `"b"`, false}, {`"1"`, `1`, false}, {`1.5`, `1`, false},
		{`"\ud83d\ude00"`, "\"\U0001F600\"", true}, {`null`, `null`, true}, {``, `1`, false},
	} {
		if got := sameID([]byte(tc.a), []byte(tc.b)); got != tc.same {
			t.Errorf("sameID(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}
