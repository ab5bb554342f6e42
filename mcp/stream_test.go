package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// run feeds the chunks through a Stream reset with p and returns the
// output, with each Process call's observations.
func run(t testing.TB, p Pending, chunks ...string) (string, [][]Observation) {
	t.Helper()
	var s Stream
	s.Reset(p)
	var out []byte
	var obs [][]Observation
	for _, c := range chunks {
		out = append(out, s.Process(nil, []byte(c))...)
		obs = append(obs, append([]Observation(nil), s.Observed()...))
	}
	return string(s.Flush(out)), obs
}

// mustInspect returns the calls of body.
func mustInspect(t testing.TB, body string) []Call {
	t.Helper()
	calls, _, err := Inspect([]byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

// bySplits returns chunks as one piece and cut at every byte.
func bySplits(s string) [][]string {
	out := [][]string{{s}}
	var bytewise []string
	for i := range len(s) {
		bytewise = append(bytewise, s[i:i+1])
	}
	return append(out, bytewise)
}

const (
	progress = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"p\",\"progress\":1}}\n\n"
	callOK   = "event: message\nid: 7_0\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}\n\n"
	list     = "event: message\r\nid: 1\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"get\"},{\"name\":\"drop\"}],\"nextCursor\":\"c\"}}\r\n\r\n"
	listOut  = "event: message\r\nid: 1\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"get\"}],\"nextCursor\":\"c\"}}\r\n\r\n"
)

// TestStreamPassesEverythingUnwatched checks that every SSE field and line
// ending passes byte for byte when there is nothing to rewrite, at any
// chunking, with or without calls to observe.
func TestStreamPassesEverythingUnwatched(t *testing.T) {
	in := ": comment\n\nretry: 3000\nid: 0\ndata:\n\nevent: message\rdata: {\"a\":\r\ndata: 1}\r\n\r" + progress + callOK + "data: [DONE]\n\nid: x\n"
	calls := mustInspect(t, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}}`)
	for _, p := range []Pending{{}, {Calls: calls}, {Calls: calls, Policy: &Policy{}}} {
		for _, chunks := range bySplits(in) {
			if out, _ := run(t, p, chunks...); out != in {
				t.Fatalf("%d chunks:\n got %q\nwant %q", len(chunks), out, in)
			}
		}
	}
}

// TestStreamObservesToolCallOutcomes checks that each watched tools/call's
// outcome is reported, by its index, in the Process call where its event
// ended, and that other responses and server requests with the same id are
// not taken for it.
func TestStreamObservesToolCallOutcomes(t *testing.T) {
	calls := mustInspect(t, `[{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x"}},
		{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"y"}},
		{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"z"}},
		{"jsonrpc":"2.0","id":9,"method":"ping"}]`)
	serverReq := "data: {\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"sampling/createMessage\",\"params\":{}}\n\n"
	toolErr := "data: {\"jsonrpc\":\"2.0\",\"id\":\"\\u0061\",\"result\":{\"content\":[],\"isError\":true}}\n\n"
	rpcErr := "data: {\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32602,\"message\":\"unknown tool\"}}\n\n"
	ping := "data: {\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}\n\n"
	out, obs := run(t, Pending{Calls: calls}, progress+serverReq+callOK[:40], callOK[40:]+toolErr, ping+rpcErr, callOK)
	if want := progress + serverReq + callOK + toolErr + ping + rpcErr + callOK; out != want {
		t.Fatalf("output changed: %q", out)
	}
	want := [][]Observation{nil, {{1, OK}, {0, ToolError}}, {{2, RPCError}}, nil}
	for i := range want {
		if len(obs[i]) != len(want[i]) || len(obs[i]) > 0 && !equalObs(obs[i], want[i]) {
			t.Errorf("call %d observed %v, want %v", i, obs[i], want[i])
		}
	}
}

// noSkip excludes no message from Tracker.Add.
func noSkip(int) bool { return false }

func equalObs(a, b []Observation) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStreamFiltersToolsList checks the tools/list answer is rewritten,
// with its id and event lines and CRLF endings kept, at any chunking, and
// that the events around it are untouched.
func TestStreamFiltersToolsList(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"drop"})
	calls := mustInspect(t, `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)
	in := ": keepalive\n\n" + progress + list + progress
	want := ": keepalive\n\n" + progress + listOut + progress
	for _, chunks := range bySplits(in) {
		if out, _ := run(t, Pending{Calls: calls, Policy: pol}, chunks...); out != want {
			t.Fatalf("%d chunks:\n got %q\nwant %q", len(chunks), out, want)
		}
	}
	multi := "data: {\"jsonrpc\":\"2.0\",\"id\":1,\n" + "data: \"result\":{\"tools\":[{\"name\":\"drop\"},\n" + "data:{\"name\":\"get\"}]}}\n\n"
	out, _ := run(t, Pending{Calls: calls, Policy: pol}, multi)
	if want := "data: {\"jsonrpc\":\"2.0\",\"id\":1,\ndata: \"result\":{\"tools\":[\ndata: {\"name\":\"get\"}]}}\n\n"; out != want {
		t.Errorf("multi-line data:\n got %q\nwant %q", out, want)
	}
}

// TestStreamFiltersEveryToolsListWhateverItsID checks that with a policy
// every response whose result has a tools array is filtered, whatever
// request it answers: a GET stream with no request of its own (a replayed
// or resumed stream), a POST stream answering another id, a response
// batch, at any chunking (review 6 #1: a replayed stream leaked the list).
func TestStreamFiltersEveryToolsListWhateverItsID(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"drop"})
	other := strings.Replace(list, `"id":1`, `"id":2`, 1)
	otherOut := strings.Replace(listOut, `"id":1`, `"id":2`, 1)
	batch := "data: [{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}},{\"id\":4,\"result\":{\"tools\":[{\"name\":\"drop\"}]}}]\n\n"
	batchOut := "data: [{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}},{\"id\":4,\"result\":{\"tools\":[]}}]\n\n"
	late := "data: {\"id\":\"x\",\"result\":{\"_meta\":{\"a\":[1,2]},\"nextCursor\":null,\"tools\":[{\"name\":\"drop\"},{\"name\":\"get\"}]}}\n\n"
	lateOut := "data: {\"id\":\"x\",\"result\":{\"_meta\":{\"a\":[1,2]},\"nextCursor\":null,\"tools\":[{\"name\":\"get\"}]}}\n\n"
	calls := mustInspect(t, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	in := progress + other + callOK + batch + late
	want := progress + otherOut + callOK + batchOut + lateOut
	for _, p := range []Pending{{Policy: pol}, {Calls: calls, Policy: pol}} {
		for _, chunks := range bySplits(in) {
			if out, _ := run(t, p, chunks...); out != want {
				t.Fatalf("%d chunks:\n got %q\nwant %q", len(chunks), out, want)
			}
		}
	}
	if out, _ := run(t, Pending{}, in); out != in {
		t.Errorf("filtered without a policy: %q", out)
	}
	var s Stream
	s.Reset(Pending{Policy: pol})
	body := `{"jsonrpc":"2.0","id":9,"result":{"tools":[{"name":"drop"}]}}`
	if got := string(s.Body(nil, []byte(body))); got != `{"jsonrpc":"2.0","id":9,"result":{"tools":[]}}` {
		t.Errorf("JSON body for no request: %s", got)
	}
}

// TestStreamDoesNotDelayNotifications checks that with a policy a
// notification leaves in the same Process call that brought its first data
// line, not when its event ends (progress must reach the client while the
// call runs), and that a response is held only until it shows it has no
// result.tools.
func TestStreamDoesNotDelayNotifications(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"drop"})
	var s Stream
	s.Reset(Pending{Calls: mustInspect(t, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`), Policy: pol})
	head := "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":"
	if got := string(s.Process(nil, []byte(head))); got != head {
		t.Fatalf("held back: %q", got)
	}
	if got := string(s.Process(nil, []byte("1}}\n\n"))); got != "1}}\n\n" {
		t.Fatalf("rest: %q", got)
	}
	idFirst := "data: {\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"content\":[]"
	if got := s.Process(nil, []byte(idFirst)); len(got) != 0 {
		t.Fatalf("a response that may be a tools list passed: %q", got)
	}
	if got := string(s.Process(nil, []byte("}}"))); got != idFirst+"}}" {
		t.Fatalf("a response without result.tools held back after its end: %q", got)
	}
	s.Process(nil, []byte("\n\n"))
	held := "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":["
	if got := s.Process(nil, []byte(held)); len(got) != 0 {
		t.Fatalf("the tools/list answer was not held: %q", got)
	}
	if got := string(s.Process(nil, []byte("{\"name\":\"drop\"}]}}\n\n"))); got != "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}\n\n" {
		t.Fatalf("filtered: %q", got)
	}
	if !s.AtBoundary() {
		t.Error("AtBoundary false between events")
	}
}

// TestStreamRewritesEndpoint checks the 2024-11-05 endpoint event gets the
// gateway path and the events after it pass untouched, at any chunking.
func TestStreamRewritesEndpoint(t *testing.T) {
	p := Pending{Endpoint: Endpoint{Upstream: "http://127.0.0.1:9000/api", Stream: "http://127.0.0.1:9000/api/sse", Prefix: "/up"}}
	in := ": hello\n\nevent: endpoint\r\ndata: /api/messages?sessionId=abc\r\n\r\n" + progress + "event: endpoint\ndata: /api/x\n\n"
	want := ": hello\n\nevent: endpoint\r\ndata: /up/messages?sessionId=abc\r\n\r\n" + progress + "event: endpoint\ndata: /api/x\n\n"
	for _, chunks := range bySplits(in) {
		if out, _ := run(t, p, chunks...); out != want {
			t.Fatalf("%d chunks:\n got %q\nwant %q", len(chunks), out, want)
		}
	}
	var s Stream
	s.Reset(Pending{Endpoint: Endpoint{Upstream: "http://127.0.0.1:9000", Prefix: "/up"}})
	out := s.Process(nil, []byte("event: endpoint\ndata: http://evil.example/messages\n\n"+progress))
	if string(out) != progress || !errors.Is(s.Err(), ErrEndpoint) {
		t.Errorf("foreign endpoint: %q, err %v", out, s.Err())
	}
	s.Reset(Pending{Endpoint: Endpoint{Upstream: "http://h", Prefix: "/up"}})
	if out := s.Process(nil, []byte(progress)); string(out) != progress {
		t.Errorf("first event not an endpoint: %q", out)
	}
}

// TestStreamWithTracker checks a 2024-11-05 GET stream, where the answers
// to requests POSTed later arrive: a Tracker entry added after Reset is
// filtered or observed like a request of the stream's own.
func TestStreamWithTracker(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"drop"})
	var tr Tracker
	var s Stream
	s.Reset(Pending{Policy: pol, Tracker: &tr, Endpoint: Endpoint{Upstream: "http://h:1", Prefix: "/up"}})
	var out []byte
	out = append(out, s.Process(nil, []byte("event: endpoint\ndata: /messages?sessionId=1\n\n"))...)
	for i, body := range []string{`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`} {
		if err := tr.Add(mustInspect(t, body), noSkip, func(int) int { return 100 + i }); err != nil {
			t.Fatal(err)
		}
	}
	if tr.Len() != 2 {
		t.Fatalf("Len = %d", tr.Len())
	}
	out = append(out, s.Process(nil, []byte(list+callOK))...)
	if obs := s.Observed(); len(obs) != 1 || obs[0] != (Observation{101, OK}) {
		t.Errorf("observed %v", obs)
	}
	if want := "event: endpoint\ndata: /up/messages?sessionId=1\n\n" + listOut + callOK; string(out) != want {
		t.Errorf("got %q", out)
	}
	if tr.Len() != 0 {
		t.Errorf("entries left: %d", tr.Len())
	}
}

// TestStreamOversizedEvents checks the bounds: a tools/list answer over
// MaxEvent is replaced by an error for its id, whatever request it
// answers; a big batch (which might hold one) is dropped with Err; a big
// tools/call result passes and is observed as Unread; a big event whose
// first MaxEvent bytes show no result.tools passes.
func TestStreamOversizedEvents(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"drop"})
	calls := mustInspect(t, `[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}]`)
	pad := strings.Repeat("x", MaxEvent)
	bigList := "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"" + pad + "\"}]}}\n\n"
	out, _ := run(t, Pending{Calls: calls, Policy: pol}, bigList[:1000], bigList[1000:], progress)
	var e rpcError
	ev, rest, _ := strings.Cut(out, "\n\n")
	if err := json.Unmarshal([]byte(strings.TrimPrefix(ev, "event: message\ndata: ")), &e); err != nil || string(e.ID) != "1" || e.Error.Code != CodeInternal {
		t.Errorf("replacement %q: %v", ev, err)
	}
	if rest != progress {
		t.Errorf("after it: %q", rest)
	}
	bigCall := "data: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"" + pad + "\"}]}}\n\n"
	out, obs := run(t, Pending{Calls: calls}, bigCall)
	if out != bigCall || len(obs[0]) != 1 || obs[0][0] != (Observation{1, Unread}) {
		t.Errorf("big call: %d bytes, observed %v", len(out), obs)
	}
	unknown := "data: {\"result\":\"" + pad + "\",\"id\":1}\n\n"
	var s Stream
	s.Reset(Pending{Calls: calls, Policy: pol})
	if got := s.Flush(s.Process(nil, []byte(unknown+progress))); string(got) != unknown+progress || s.Err() != nil {
		t.Errorf("big event without result.tools: %d bytes out, err %v", len(got), s.Err())
	}
	s.Reset(Pending{Policy: pol})
	bigBatch := "data: [{\"id\":5,\"result\":\"" + pad + "\"}]\n\n"
	if got := s.Flush(s.Process(nil, []byte(bigBatch+progress))); string(got) != progress || !errors.Is(s.Err(), ErrOversized) {
		t.Errorf("big batch: %d bytes out, err %v", len(got), s.Err())
	}
	s.Reset(Pending{Policy: pol})
	otherList := strings.Replace(bigList, `"id":1`, `"id":"z"`, 1)
	got := string(s.Flush(s.Process(nil, []byte(otherList[:100]+otherList[100:]))))
	if ev, _, _ := strings.Cut(got, "\n\n"); json.Unmarshal([]byte(strings.TrimPrefix(ev, "event: message\ndata: ")), &e) != nil || string(e.ID) != `"z"` {
		t.Errorf("big tools list for no request: %.200q", got)
	}
	s.Reset(Pending{Calls: calls, Policy: pol})
	bigNote := "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\"" + pad + "\"}}\n\n"
	if got := s.Process(nil, []byte(bigNote)); !bytes.Equal(got, []byte(bigNote)) {
		t.Errorf("big notification changed")
	}
}

// TestStreamFlush checks what an unfinished last event becomes at EOF: an
// ordinary one passes, one held because it may be a tools/list answer does
// not pass unfiltered.
func TestStreamFlush(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"drop"})
	calls := mustInspect(t, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if out, _ := run(t, Pending{Calls: calls}, progress, "data: {\"json"); out != progress+"data: {\"json" {
		t.Errorf("unfinished event: %q", out)
	}
	if out, _ := run(t, Pending{Calls: calls, Policy: pol}, progress, "data: {\"json"); out != progress {
		t.Errorf("unfinished event that may be a tools list passed: %q", out)
	}
	if out, _ := run(t, Pending{Calls: calls, Policy: pol}, list[:60]); out != "" {
		t.Errorf("unfinished tools/list answer passed: %q", out)
	}
}

// TestStreamBody checks the JSON-answer path: one response or a batch
// array, filtered and observed like SSE events.
func TestStreamBody(t *testing.T) {
	pol, _ := ParsePolicy("p", nil, []string{"drop"})
	calls := mustInspect(t, `[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"}}]`)
	var s Stream
	s.Reset(Pending{Calls: calls, Policy: pol})
	body := `[ {"jsonrpc":"2.0","id":7,"result":{"isError":true}} , {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"drop"},{"name":"get"}]}} ]`
	got := s.Body(nil, []byte(body))
	if want := `[ {"jsonrpc":"2.0","id":7,"result":{"isError":true}} , {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"get"}]}} ]`; string(got) != want {
		t.Errorf("got %s", got)
	}
	if obs := s.Observed(); len(obs) != 1 || obs[0] != (Observation{1, ToolError}) {
		t.Errorf("observed %v", obs)
	}
	s.Reset(Pending{Calls: calls[1:]})
	one := []byte(`{"jsonrpc":"2.0","id":7,"result":{}}`)
	if got := s.Body(nil, one); &got[0] != &one[0] || len(s.Observed()) != 1 {
		t.Errorf("unchanged body copied or not observed")
	}
}
