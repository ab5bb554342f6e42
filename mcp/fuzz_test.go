package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// refMessage is a JSON-RPC message as encoding/json decodes it: keys
// matched ignoring case, the last occurrence winning.
type refMessage struct {
	Method json.RawMessage `json:"method"`
	ID     json.RawMessage `json:"id"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// refParams is what Inspect reads from params.
type refParams struct {
	Name json.RawMessage `json:"name"`
	URI  json.RawMessage `json:"uri"`
}

// refString decodes a JSON string with encoding/json.
func refString(raw json.RawMessage) (string, bool) {
	var s string
	return s, raw != nil && json.Unmarshal(raw, &s) == nil
}

// checkAgainstJSON checks one call Inspect accepted against encoding/json's
// reading of the same message.
func checkAgainstJSON(t *testing.T, raw []byte, c Call) {
	var r refMessage
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("element %s: %v", raw, err)
	}
	method, hasMethod := refString(r.Method)
	method = canonMethod(method) // tools/call in any case is tools/call
	if hasMethod != (c.Kind == Request || c.Kind == Notification) || method != c.Method {
		t.Fatalf("%s: method %q (%v), Inspect %q %v", raw, method, hasMethod, c.Method, c.Kind)
	}
	if !bytes.Equal(r.ID, c.ID) {
		t.Fatalf("%s: id %s, Inspect %s", raw, r.ID, c.ID)
	}
	var p refParams
	if len(r.Params) > 0 && r.Params[0] == '{' {
		if err := json.Unmarshal(r.Params, &p); err != nil {
			t.Fatal(err)
		}
	}
	field := p.Name
	if nameField(method) == "uri" {
		field = p.URI
	}
	name, _ := refString(field)
	if nameField(method) == "" {
		name = ""
	}
	if name != c.Name || (method == "tools/call" && c.Kind != Response) != (c.Tool != "") || c.Tool != "" && c.Tool != name {
		t.Fatalf("%s: name %q, Inspect %q tool %q", raw, name, c.Name, c.Tool)
	}
}

// FuzzInspect checks Inspect against encoding/json: it fails with
// ErrInvalidJSON exactly when json.Valid does, and what it reads from an
// accepted body is what encoding/json reads.
func FuzzInspect(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}}`,
		`[{"jsonrpc":"2.0","id":"a","method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"id":3,"result":{}}]`,
		`{"Method":"tools\/call","ID":1e2,"Params":{"NAME":"x\u00e9"}}`,
		"{\"id\":1,\"method\":\"resources/read\",\"param\u017f\":{\"uri\":\"file:///\\ud800\"}}",
		`{"id":-0.0,"method":"ping"}`, `[]`, `[1]`, `{"id":1}`, `"x"`, `{"id":1,"method":"a","method":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		calls, batch, err := Inspect(body, nil)
		if !json.Valid(body) {
			if !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("invalid JSON: err = %v", err)
			}
			return
		}
		if errors.Is(err, ErrInvalidJSON) {
			t.Fatalf("valid JSON refused as invalid: %v", err)
		}
		if err != nil {
			if len(calls) != 0 {
				t.Fatal("calls returned with an error")
			}
			return
		}
		if batch {
			var elems []json.RawMessage
			if json.Unmarshal(body, &elems) != nil || len(elems) != len(calls) {
				t.Fatalf("batch of %d, Inspect %d", len(elems), len(calls))
			}
		} else if len(calls) != 1 {
			t.Fatalf("%d calls for one message", len(calls))
		}
		for _, c := range calls {
			checkAgainstJSON(t, body[c.Start:c.End], c)
		}
	})
}

// refTools returns the elements of result.tools of msg as encoding/json
// reads them (the last result and tools win), and whether there are any.
func refTools(msg []byte) ([]json.RawMessage, bool) {
	var r struct {
		Result struct {
			Tools []json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if json.Unmarshal(msg, &r) != nil {
		return nil, false
	}
	return r.Result.Tools, r.Result.Tools != nil
}

// refDenied reports whether a tool element has a "name" member (any case,
// any occurrence) whose string value allows refuses, reading it token by
// token with encoding/json.
func refDenied(elem json.RawMessage, allows func(string) bool) bool {
	dec := json.NewDecoder(bytes.NewReader(elem))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return false
		}
		if s, ok := refString(v); ok && strings.EqualFold(k.(string), "name") && !allows(s) {
			return true
		}
	}
	return false
}

// FuzzFilterToolsList checks FilterToolsList against encoding/json: the
// output is JSON when the input is, unchanged output is the input, and the
// tools a client decodes are the input's less exactly the denied ones.
func FuzzFilterToolsList(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"},{"name":"secret"},{"name":"b","inputSchema":{"properties":{"name":{"type":"string"}}}}],"nextCursor":"x"}}`,
		`{"id":1,"result":{"tools":[ {"name":"secret"} , {"annotations":{},"description":"d","inputSchema":{"type":"object"},"name":"ok"} ]}}`,
		`{"id":1,"RESULT":{"Tools":[{"NAME":"se\u0063ret"}]}}`, `{"id":1,"result":{"tools":[]}}`, `{"result":{"tools":[1,"secret",{"name":1}]}}`,
	} {
		f.Add([]byte(s))
	}
	allows := func(s string) bool { return !strings.Contains(s, "secret") }
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, changed := FilterToolsList(nil, msg, allows)
		if !changed {
			if !bytes.Equal(out, msg) {
				t.Fatal("unchanged output differs")
			}
		} else if !json.Valid(out) {
			t.Fatalf("output is not JSON: %s", out)
		}
		in, ok := refTools(msg)
		if !ok || !json.Valid(msg) {
			return
		}
		var want []json.RawMessage
		for _, e := range in {
			if !refDenied(e, allows) {
				want = append(want, e)
			}
		}
		got, _ := refTools(out)
		if len(got) != len(want) {
			t.Fatalf("%d tools left, want %d:\n%s\n%s", len(got), len(want), msg, out)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("tool %d: %s, want %s", i, got[i], want[i])
			}
		}
	})
}

// refStream is the model a Stream must agree with: the whole input at
// once, cut into events at blank lines, each event with data handed to
// Body on a second Stream and its data lines replaced when that changes it.
func refStream(p Pending, in []byte) []byte {
	var model Stream
	model.Reset(p)
	var out []byte
	start := 0
	var data []byte
	lines := 0
	for i := 0; i < len(in); {
		line, next := splitLine(in, i)
		if len(line) > 0 || next == len(in) && !endsLine(in) {
			if isField(line, "data") {
				if lines > 0 {
					data = append(data, '\n')
				}
				data = append(data, dataValue(line)...)
				lines++
			}
			i = next
			continue
		}
		raw := in[start:next]
		if lines > 0 {
			if nd := model.Body(nil, data); !bytes.Equal(nd, data) {
				out = replaceData(out, raw, nd)
				raw = nil
			}
		}
		out = append(out, raw...)
		start, i, data, lines = next, next, data[:0], 0
	}
	return append(out, in[start:]...)
}

func endsLine(b []byte) bool { return len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') }

// FuzzStream checks the incremental Stream against the whole-input model,
// for random chunkings: with nothing watched the output is the input; with
// a tools/list and a tools/call watched, the output and the observed
// outcomes are the model's whatever the chunk boundaries.
func FuzzStream(f *testing.F) {
	for _, s := range []string{
		progress + list + callOK,
		"data: {\"id\":1,\n\r\ndata: \"result\":{\"tools\":[{\"name\":\"drop\"}]}}\r\r" + callOK,
		": c\n\nretry: 1\ndata\n\ndata:{\"id\":2,\"result\":{\"isError\":true}}\n\n",
		"data: [{\"id\":1,\"result\":{\"tools\":[{\"name\":\"drop\"},{\"name\":\"x\"}]}},{\"id\":2,\"error\":{}}]\n\n",
		"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}\n\ndata: {\"id\":1.0,\"result\":{\"tools\":[{\"name\":\"drop\"}]}}\n\n",
	} {
		f.Add([]byte(s), uint64(1))
	}
	pol, _ := ParsePolicy("p", nil, []string{"drop*"})
	calls := mustInspect(f, `[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}]`)
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		in = append(in, "\n\n"...)
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		chunks := randomChunks(in, rng)
		if out := feed(Pending{}, chunks); !bytes.Equal(out, in) {
			t.Fatalf("unwatched stream changed:\n got %q\nwant %q", out, in)
		}
		p := Pending{Calls: calls, Policy: pol}
		want := refStream(p, in)
		if out := feed(p, chunks); !bytes.Equal(out, want) {
			t.Fatalf("chunks %q:\n got %q\nwant %q", chunks, out, want)
		}
		if a, b := observeAll(p, [][]byte{in}), observeAll(p, chunks); len(a) != len(b) || len(a) > 0 && !equalObs(a, b) {
			t.Fatalf("observed %v in one piece, %v in chunks", a, b)
		}
	})
}

// randomChunks cuts b at random places.
func randomChunks(b []byte, rng *rand.Rand) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := 1 + rng.IntN(min(len(b), 1+rng.IntN(64)))
		out, b = append(out, b[:n]), b[n:]
	}
	return out
}

// feed runs chunks through a fresh Stream, reusing one dst as a proxy
// would, and returns all output.
func feed(p Pending, chunks [][]byte) []byte {
	var s Stream
	s.Reset(p)
	var out, dst []byte
	for _, c := range chunks {
		r := s.Process(dst[:0], c)
		out = append(out, r...)
		if len(r) > 0 && cap(r) > 0 && &r[:1][0] != &c[:1][0] {
			dst = r
		}
	}
	return s.Flush(out)
}

// observeAll returns every Observation of a run.
func observeAll(p Pending, chunks [][]byte) []Observation {
	var s Stream
	s.Reset(p)
	var all []Observation
	for _, c := range chunks {
		s.Process(nil, c)
		all = append(all, s.Observed()...)
	}
	return all
}
