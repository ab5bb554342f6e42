package usage

import (
	"encoding/json"
	"strings"
	"testing"
)

// run feeds the whole input to a fresh Stream and returns its output and
// result.
func run(f Format, strip bool, in string) (string, Result) {
	var s Stream
	out := feed(&s, f, strip, [][]byte{[]byte(in)})
	return string(out), *s.Result()
}

// TestStripCutsUsageNullWherever checks that strip mode removes a
// "usage":null member at any position, with one comma, leaving valid JSON
// that is otherwise byte for byte what the upstream sent.
func TestStripCutsUsageNullWherever(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"usage":null}`, `{"a":1}`},
		{`{"a":1, "usage" : null ,"b":2}`, `{"a":1 ,"b":2}`},
		{`{"usage":null,"b":2}`, `{"b":2}`},
		{`{ "usage":null , "b":2}`, `{ "b":2}`},
		{`{"usage":null}`, `{}`},
		{`{"\u0075sage":null,"b":[]}`, `{"b":[]}`},
		{`{"a":"\"usage\":null","usage":null}`, `{"a":"\"usage\":null"}`},
		{`{"a":{"usage":null}}`, `{"a":{"usage":null}}`},               // not top-level
		{`{"usage":null,"usage":null}`, `{"usage":null,"usage":null}`}, // ambiguous: left alone
		{`{"usage":null,"choices":[]`, `{"usage":null,"choices":[]`},   // malformed: left alone
		{`{"usage":0,"choices":[]}`, `{"usage":0,"choices":[]}`},       // not null
		{`{"choices":[],"usage":null}`, `{"choices":[]}`},              // Azure's prompt-filter chunk
	} {
		in := "data: " + tc.in + "\n\n"
		want := "data: " + tc.want + "\n\n"
		if got, _ := run(OpenAIChat, true, in); got != want {
			t.Errorf("strip %s = %q, want %q", tc.in, got, want)
		}
		if json.Valid([]byte(tc.in)) && !json.Valid([]byte(tc.want)) {
			t.Errorf("strip %s made invalid JSON %s", tc.in, tc.want)
		}
	}
}

// TestStripDropsOnlyTheUsageChunk checks that the chunk with empty choices
// and a usage object disappears with its blank line, but lines that are not
// data (id, comments, retry) stay, so the client's last event id and retry
// time are what the upstream set.
func TestStripDropsOnlyTheUsageChunk(t *testing.T) {
	u := `{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}`
	for _, tc := range []struct{ in, want string }{
		{"data: " + u + "\n\ndata: [DONE]\n\n", "data: [DONE]\n\n"},
		{"data: " + u + "\r\n\r\ndata: [DONE]\r\n\r\n", "data: [DONE]\r\n\r\n"},
		{"data: " + u + "\r\rdata: [DONE]\r\r", "data: [DONE]\r\r"},
		{"id: 9\n: c\ndata: " + u + "\n\n", "id: 9\n: c\n\n"},
		{"event: chunk\ndata: " + u + "\nretry: 10\n\n", "retry: 10\n\n"},
		{"data: " + u + "\n\n\n", "\n"}, // a second blank line is not the chunk's
		{`data: {"choices":[{"index":0}],"usage":{"prompt_tokens":3}}` + "\n\n",
			`data: {"choices":[{"index":0}],"usage":{"prompt_tokens":3}}` + "\n\n"}, // has choices: kept
	} {
		got, r := run(OpenAIChat, true, tc.in)
		if got != tc.want {
			t.Errorf("strip %q = %q, want %q", tc.in, got, tc.want)
		}
		if !r.Found || r.Tokens.Input != 3 {
			t.Errorf("strip %q: the removed chunk's usage was not counted: %+v", tc.in, r)
		}
	}
}

// TestStripLeavesUsageNullAcrossLines checks the documented limit: a
// member (with its comma) written across data lines cannot be cut without
// rejoining lines, so the event passes unchanged rather than broken.
func TestStripLeavesUsageNullAcrossLines(t *testing.T) {
	for _, in := range []string{
		"data: {\"a\":1,\"usage\":\ndata: null}\n\n",
		"data: {\"a\":1,\ndata: \"usage\":null}\n\n",
		"data: {\"a\":1\ndata: ,\"usage\":null}\n\n",
	} {
		if got, _ := run(OpenAIChat, true, in); got != in {
			t.Errorf("%q became %q, want it unchanged", in, got)
		}
	}
	in := "data: {\"a\":1,\ndata: \"b\":2,\"usage\":null}\n\n" // within the second line: cut
	if got, _ := run(OpenAIChat, true, in); got != "data: {\"a\":1,\ndata: \"b\":2}\n\n" {
		t.Errorf("%q became %q", in, got)
	}
}

// TestStripOnlyForOpenAIChat checks that strip has no effect on formats the
// injection never applies to.
func TestStripOnlyForOpenAIChat(t *testing.T) {
	in := `data: {"type":"message_delta","usage":null,"choices":[]}` + "\n\n"
	for _, f := range []Format{Unknown, OpenAIResponses, OpenAIEmbeddings, AnthropicMessages} {
		if got, _ := run(f, true, in); got != in {
			t.Errorf("%v: strip changed %q to %q", f, in, got)
		}
	}
}

// TestStripHoldsOnlyTheUnfinishedEvent checks the latency promise: finished
// events go out in the call that completes them; only the unfinished tail
// waits.
func TestStripHoldsOnlyTheUnfinishedEvent(t *testing.T) {
	var s Stream
	s.Reset(OpenAIChat, true)
	first := "data: {\"choices\":[{\"index\":0}]}\n\n"
	got := s.Process(nil, []byte(first+"data: {\"choi"))
	if string(got) != first {
		t.Fatalf("first call sent %q, want %q", got, first)
	}
	got = s.Process(nil, []byte("ces\":[],\"x\":1}\n"))
	if len(got) != 0 {
		t.Fatalf("sent %q before the event ended", got)
	}
	if got = s.Process(nil, []byte("\n: after\n")); string(got) != "data: {\"choices\":[],\"x\":1}\n\n" {
		t.Fatalf("at the event's end sent %q", got)
	}
	if got = s.Flush(nil); string(got) != ": after\n" {
		t.Fatalf("Flush sent %q, want the unfinished event as is", got)
	}
}

// TestStripPassesPWhenNothingChanges checks that strip mode does not copy
// chunks that hold only whole events it leaves alone.
func TestStripPassesPWhenNothingChanges(t *testing.T) {
	var s Stream
	s.Reset(OpenAIChat, true)
	p := []byte("data: {\"choices\":[{\"index\":0}]}\n\n: ping\n\n")
	got := s.Process(make([]byte, 0, 256), p)
	if len(got) != len(p) || &got[0] != &p[0] {
		t.Fatal("strip mode copied a chunk it did not change")
	}
}

// TestOversizedEventPassesUnparsed checks the memory bound: an event over
// MaxEvent is neither parsed nor held whole, passes unchanged in both modes,
// and is flagged, while the events around it are still read.
func TestOversizedEventPassesUnparsed(t *testing.T) {
	big := `data: {"choices":[],"pad":"` + strings.Repeat("x", MaxEvent) + `","usage":{"prompt_tokens":99}}` + "\n\n"
	in := big + `data: {"choices":[],"usage":{"prompt_tokens":7}}` + "\n\n" + "data: [DONE]\n\n"
	for _, strip := range []bool{false, true} {
		var s Stream
		s.Reset(OpenAIChat, strip)
		var out []byte
		maxHold := 0
		for i := 0; i < len(in); i += 4096 {
			out = append(out, s.Process(nil, []byte(in[i:min(i+4096, len(in))]))...)
			maxHold = max(maxHold, cap(s.hold), cap(s.data))
		}
		out = s.Flush(out)
		want := in
		if strip {
			want = big + "data: [DONE]\n\n"
		}
		if string(out) != want {
			t.Errorf("strip=%v: output differs from the input (len %d, want %d)", strip, len(out), len(want))
		}
		r := s.Result()
		if !r.Oversized || r.Tokens.Input != 7 || !r.Complete {
			t.Errorf("strip=%v: %+v, want Oversized and the next event's usage", strip, *r)
		}
		if maxHold > 2*MaxEvent {
			t.Errorf("strip=%v: buffers grew to %d bytes", strip, maxHold)
		}
	}
}

// TestFramingFollowsWHATWG checks field parsing corner cases of the
// EventSource spec that decide which bytes are data.
func TestFramingFollowsWHATWG(t *testing.T) {
	u := func(n string) string { return `{"usage":{"prompt_tokens":` + n + `}}` }
	for _, tc := range []struct {
		name, in string
		input    int64
	}{
		{"no space after colon", "data:" + u("1") + "\n\n", 1},
		{"only one space stripped", "data:  " + u("2") + "\n\n", 2}, // leading space is JSON whitespace
		{"data without colon joins an empty line", "data\ndata: " + u("3") + "\n\n", 3},
		{"unknown field ignored", "dat: " + u("9") + "\ndata: " + u("4") + "\n\n", 4},
		{"longer name is not data", "datas: " + u("9") + "\n\n", 0},
		{"comment ignored", ": " + u("9") + "\n\n", 0},
		{"no blank line yet, seen at Flush", "data: " + u("5") + "\n", 5},
		{"unterminated last line, seen at Flush", "data: " + u("6"), 6},
		{"last usage wins", "data: " + u("8") + "\n\ndata: " + u("6") + "\n\n", 6},
		{"null usage does not erase", "data: " + u("8") + "\n\ndata: {\"usage\":null}\n\n", 8},
	} {
		_, r := run(OpenAIChat, false, tc.in)
		if r.Tokens.Input != tc.input {
			t.Errorf("%s: Input = %d, want %d", tc.name, r.Tokens.Input, tc.input)
		}
	}
}

// TestErrorEventNeedsData checks that `event: error` counts only when the
// event is dispatched (it has data), as an EventSource client would see it,
// and that its type may be given without a space.
func TestErrorEventNeedsData(t *testing.T) {
	for in, want := range map[string]bool{
		"event: error\n\n":                         false,
		"event:error\ndata:\n\n":                   true,
		"event: errors\ndata: {}\n\n":              false,
		"event: error\ndata: {}\n\n":               true,
		"event: x\ndata: {\"type\":\"error\"}\n\n": true,
	} {
		if _, r := run(AnthropicMessages, false, in); r.Errored != want {
			t.Errorf("%q: Errored = %v, want %v", in, r.Errored, want)
		}
	}
}

// TestAnthropicDeltaNeverAdds checks that message_delta's cumulative counts
// replace message_start's, and that a delta's 0 for a count it does not
// track does not erase the start's value.
func TestAnthropicDeltaNeverAdds(t *testing.T) {
	start := `data: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":50,"output_tokens":1}}}` + "\n\n"
	for _, tc := range []struct {
		delta string
		want  Tokens
	}{
		{`{"output_tokens":30}`, Tokens{Input: 10, CachedRead: 50, Output: 30}},
		{`{"input_tokens":10,"cache_read_input_tokens":50,"output_tokens":30}`, Tokens{Input: 10, CachedRead: 50, Output: 30}},
		{`{"input_tokens":0,"cache_read_input_tokens":0,"output_tokens":30}`, Tokens{Input: 10, CachedRead: 50, Output: 30}},
		{`{"input_tokens":25,"output_tokens":30}`, Tokens{Input: 25, CachedRead: 50, Output: 30}}, // server tools grew the input
	} {
		in := start + `data: {"type":"message_delta","usage":` + tc.delta + "}\n\n" +
			`data: {"type":"message_delta","usage":` + tc.delta + "}\n\n" // a repeat must not add either
		if _, r := run(AnthropicMessages, false, in); r.Tokens != tc.want {
			t.Errorf("delta %s: %+v, want %+v", tc.delta, r.Tokens, tc.want)
		}
	}
}

// TestStreamModelFirstAndReused checks that Model is the first one named and
// that a Stream reused for the same model does not copy it again.
func TestStreamModelFirstAndReused(t *testing.T) {
	in := []byte(`data: {"model":"gpt-x","choices":[]}` + "\n\n" + `data: {"model":"other"}` + "\n\n")
	var s Stream
	feed(&s, OpenAIChat, false, [][]byte{in})
	if s.Result().Model != "gpt-x" {
		t.Fatalf("Model = %q", s.Result().Model)
	}
	allocs := testing.AllocsPerRun(50, func() {
		s.Reset(OpenAIChat, false)
		s.Process(nil, in)
	})
	if allocs != 0 || s.Result().Model != "gpt-x" {
		t.Fatalf("%v allocations for a repeated model, Model %q", allocs, s.Result().Model)
	}
}

// TestStripSteadyStateAllocs checks that strip mode allocates nothing per
// stream once its buffers have grown, even when it rewrites.
func TestStripSteadyStateAllocs(t *testing.T) {
	body := readCorpusFile(t, "openai_chat_strip_crlf.sse")
	var s Stream
	scratch := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(50, func() {
		s.Reset(OpenAIChat, true)
		for i := 0; i < len(body); i += 97 {
			s.Process(scratch[:0], body[i:min(i+97, len(body))])
		}
		s.Flush(scratch[:0])
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per stream", allocs)
	}
}

// TestResetDropsHugeBuffers checks that one huge event does not pin its
// buffer for the Stream's later uses.
func TestResetDropsHugeBuffers(t *testing.T) {
	var s Stream
	s.Reset(OpenAIChat, true)
	s.Process(nil, []byte("data: "+strings.Repeat("x", 200<<10)))
	s.Reset(OpenAIChat, true)
	if cap(s.data) > keepCap || cap(s.hold) > keepCap {
		t.Fatalf("Reset kept %d and %d bytes", cap(s.data), cap(s.hold))
	}
}
