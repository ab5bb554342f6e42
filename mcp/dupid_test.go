package mcp

import (
	"errors"
	"testing"
)

// TestInspectRefusesRepeatedRequestIDs checks a batch whose requests share
// an id, however written, is refused: their responses could not be told
// apart, and one could be taken for the other's (review 6 #3).
func TestInspectRefusesRepeatedRequestIDs(t *testing.T) {
	for _, body := range []string{
		`[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":5,"method":"tools/list"}]`,
		`[{"jsonrpc":"2.0","id":5,"method":"tools/list"},{"jsonrpc":"2.0","id":5.0,"method":"ping"}]`,
		`[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":"5","method":"tools/list"}]`,
		`[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","id":"\u0061","method":"tools/list"}]`,
	} {
		if _, _, err := Inspect([]byte(body), nil); !errors.Is(err, ErrDuplicateID) {
			t.Errorf("%s: err %v, want ErrDuplicateID", body, err)
		}
	}
	ok := `[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":5,"result":{}},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":"5a","method":"ping"}]`
	if _, _, err := Inspect([]byte(ok), nil); err != nil {
		t.Errorf("a response or notification sharing an id was refused: %v", err)
	}
}

// TestTrackerRefusesAnIDStillPending checks a 2024-11-05 session refuses a
// request whose id is that of one still awaiting its response, adding
// nothing of the POST, and accepts the id again once the response came
// (review 6 #3: the first response was taken for the second request).
func TestTrackerRefusesAnIDStillPending(t *testing.T) {
	var tr Tracker
	refs := 0
	ref := func(int) int { refs++; return refs }
	if err := tr.Add(mustInspect(t, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow"}}`), noSkip, ref); err != nil {
		t.Fatal(err)
	}
	again := mustInspect(t, `[{"jsonrpc":"2.0","id":8,"method":"ping"},{"jsonrpc":"2.0","id":"7","method":"tools/list"}]`)
	if err := tr.Add(again, noSkip, ref); !errors.Is(err, ErrDuplicateID) || tr.Len() != 1 || refs != 1 {
		t.Fatalf("err %v, %d entries, %d refs", err, tr.Len(), refs)
	}
	if err := tr.Add(again, func(i int) bool { return i == 1 }, ref); err != nil || tr.Len() != 2 {
		t.Fatalf("a skipped message counted: err %v, %d entries", err, tr.Len())
	}
	if _, ok := tr.find([]byte("7"), true); !ok {
		t.Fatal("id 7 not tracked")
	}
	if err := tr.Add(mustInspect(t, `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`), noSkip, ref); err != nil {
		t.Errorf("id reused after its response: %v", err)
	}
}

// TestInspectReadsMethodsIgnoringCase checks the methods the gateway
// reads are recognised in any case, so that an upstream dispatching them
// ignoring case cannot run a "Tools/Call" past the policy (review 6 #10).
func TestInspectReadsMethodsIgnoringCase(t *testing.T) {
	for _, m := range []string{"Tools/Call", "TOOLS/CALL", "tool\u017f/call"} {
		c := mustInspect(t, `{"jsonrpc":"2.0","id":1,"method":"`+m+`","params":{"name":"x"}}`)[0]
		if c.Method != "tools/call" || c.Tool != "x" || !c.IsToolCall() {
			t.Errorf("%s: %+v", m, c)
		}
		if err := HeaderMismatch([]byte(m), nil, []Call{c}); err != nil {
			t.Errorf("%s: header as in the body: %v", m, err)
		}
	}
	if c := mustInspect(t, `{"jsonrpc":"2.0","id":1,"method":"Tools/List"}`)[0]; c.Method != "tools/list" {
		t.Errorf("tools/list: %q", c.Method)
	}
	if c := mustInspect(t, `{"jsonrpc":"2.0","id":1,"method":"Ping"}`)[0]; c.Method != "Ping" {
		t.Errorf("another method changed: %q", c.Method)
	}
}
