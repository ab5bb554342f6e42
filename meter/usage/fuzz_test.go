package usage

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// kv is one member of a JSON object, in document order.
type kv struct {
	key string
	val json.RawMessage
}

// orderedMembers decodes the members of the object raw with encoding/json,
// keeping repeated keys, or reports false when raw is not an object.
func orderedMembers(raw []byte) ([]kv, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []kv
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, kv{k.(string), v})
	}
	return out, true
}

// last returns the value of key's last occurrence in raw, an object, or nil.
func last(raw []byte, key string) json.RawMessage {
	ms, _ := orderedMembers(raw)
	var v json.RawMessage
	for _, m := range ms {
		if m.key == key {
			v = m.val
		}
	}
	return v
}

// refCount is the count rule, written from encoding/json's view of a value.
func refCount(v json.RawMessage) int64 {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if d.Decode(&n) != nil {
		return 0
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return min(max(i, 0), MaxCount)
	}
	f, _ := strconv.ParseFloat(string(n), 64)
	if !(f > 0) {
		return 0
	}
	return int64(min(f, MaxCount))
}

func refIsObject(v json.RawMessage) bool { _, ok := orderedMembers(v); return ok }

// refParseJSON is ParseJSON written with encoding/json, the reference the
// fuzzer compares the scanner with.
func refParseJSON(f Format, body []byte) Result {
	if !json.Valid(body) {
		return Result{}
	}
	r := Result{Complete: true}
	if !refIsObject(body) {
		return r
	}
	var typ, model string
	if e := last(body, "error"); e != nil && string(e) != "null" {
		r.Errored = true
	}
	if json.Unmarshal(last(body, "type"), &typ) == nil && typ == "error" {
		r.Errored = true
	}
	if json.Unmarshal(last(body, "model"), &model) == nil {
		r.Model = model
	}
	u := last(body, "usage")
	if !refIsObject(u) {
		return r
	}
	c := func(k string) int64 { return refCount(last(u, k)) }
	d := func(k, sub string) int64 { return refCount(last(last(u, k), sub)) }
	switch f {
	case OpenAIChat, OpenAIEmbeddings:
		r.Tokens = openAITokens(c("prompt_tokens"), d("prompt_tokens_details", "cached_tokens"),
			c("completion_tokens"), d("completion_tokens_details", "reasoning_tokens"))
	case OpenAIResponses:
		r.Tokens = openAITokens(c("input_tokens"), d("input_tokens_details", "cached_tokens"),
			c("output_tokens"), d("output_tokens_details", "reasoning_tokens"))
	case AnthropicMessages:
		r.Tokens = Tokens{Input: c("input_tokens"), Output: c("output_tokens"),
			CachedWrite: c("cache_creation_input_tokens"), CachedRead: c("cache_read_input_tokens")}
	default:
		return r
	}
	r.Found = true
	return r
}

func addCorpusSeeds(f *testing.F, add func(b []byte, format Format)) {
	for _, c := range loadCorpus(f) {
		add(readCorpusFile(f, c.File), formatNamed(f, c.Format))
	}
}

// FuzzParseJSON checks the scanner against encoding/json: same validity,
// same usage fields, whatever the bytes.
func FuzzParseJSON(f *testing.F) {
	addCorpusSeeds(f, func(b []byte, format Format) { f.Add(b, uint8(format)) })
	f.Add([]byte(`{"usage":{"prompt_tokens":1e2,"prompt_tokens_details":{"cached_tokens":"x"}},"usage":null}`), uint8(OpenAIChat))
	f.Add([]byte(`{"\u0075sage":{"input_tokens":-1,"cache_read_input_tokens":3.7}}`), uint8(AnthropicMessages))
	f.Fuzz(func(t *testing.T, body []byte, format uint8) {
		fm := Format(format % 5)
		var got Result
		ParseJSON(fm, body, &got)
		if want := refParseJSON(fm, body); got != want {
			t.Fatalf("ParseJSON(%v, %q)\n got %+v\nwant %+v", fm, body, got, want)
		}
	})
}

// FuzzStream checks that no input panics the stream parser, that usage and
// strip output do not depend on chunk boundaries, that pass-through returns
// the input, and that strip mode changes nothing when there is nothing to
// strip.
func FuzzStream(f *testing.F) {
	addCorpusSeeds(f, func(b []byte, format Format) { f.Add(b, uint8(format), uint64(1)) })
	f.Add([]byte("data: {\"usage\":null}\r\n\r\n\ndata: {\"choices\":[],\"usage\":{}}\r\r\n"), uint8(OpenAIChat), uint64(7))
	f.Fuzz(func(t *testing.T, in []byte, format uint8, seed uint64) {
		fm := Format(format % 5)
		var s Stream
		if out := feed(&s, fm, false, [][]byte{in}); !bytes.Equal(out, in) {
			t.Fatalf("pass-through changed the bytes")
		}
		want := *s.Result()
		stripped := feed(&s, fm, true, [][]byte{in})
		if *s.Result() != want {
			t.Fatalf("strip mode read %+v, pass-through %+v", *s.Result(), want)
		}
		if (fm != OpenAIChat || !bytes.Contains(in, []byte("usage")) && !bytes.Contains(in, []byte(`\u`))) &&
			!bytes.Equal(stripped, in) {
			t.Fatalf("strip changed a stream with nothing to strip:\n%q\n%q", in, stripped)
		}
		r := rand.New(rand.NewPCG(seed, 0))
		var chunks [][]byte
		for rest := in; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(16))
			chunks, rest = append(chunks, rest[:n]), rest[n:]
		}
		if out := feed(&s, fm, false, chunks); !bytes.Equal(out, in) || *s.Result() != want {
			t.Fatalf("pass-through split: %+v, want %+v", *s.Result(), want)
		}
		if out := feed(&s, fm, true, chunks); !bytes.Equal(out, stripped) || *s.Result() != want {
			t.Fatalf("strip split: output %q, want %q; %+v, want %+v", out, stripped, *s.Result(), want)
		}
	})
}

// FuzzInjectIncludeUsage checks that the rewrite never makes valid JSON
// invalid, that what it injects decodes to include_usage true, that it
// changes nothing else, and that it injects whenever a plain streamed
// request lacks include_usage.
func FuzzInjectIncludeUsage(f *testing.F) {
	for _, s := range []string{`{"model":"m","stream":true}`, `{"stream":true,"stream_options":{"include_usage":false}}`,
		`{"stream":true,"stream_options":null}`, `{"stream":true,"stream_options":{}}`, `{"stream": false}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		out, injected := InjectIncludeUsage(nil, body)
		if !bytes.Equal(body, orig) {
			t.Fatal("body was modified")
		}
		if !injected {
			if !bytes.Equal(out, body) {
				t.Fatal("not injected, yet the body changed")
			}
			if mustInject(body) {
				t.Fatalf("did not inject into %q", body)
			}
			return
		}
		in := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		got := bytes.TrimPrefix(out, []byte("\xef\xbb\xbf"))
		if !json.Valid(in) || !json.Valid(got) {
			t.Fatalf("injected into %q: valid in %v, valid out %v: %q", body, json.Valid(in), json.Valid(got), out)
		}
		var a, b map[string]any
		if json.Unmarshal(in, &a) != nil || json.Unmarshal(got, &b) != nil {
			t.Fatalf("not an object: %q", out)
		}
		opts, _ := b["stream_options"].(map[string]any)
		if opts["include_usage"] != true || b["stream"] != true {
			t.Fatalf("decoded %v from %q", b, out)
		}
		if ao, ok := a["stream_options"].(map[string]any); ok {
			delete(ao, "include_usage")
			delete(opts, "include_usage")
			if !reflect.DeepEqual(ao, opts) {
				t.Fatalf("other stream_options changed: %v -> %v", ao, opts)
			}
		}
		delete(a, "stream_options")
		delete(b, "stream_options")
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("other members changed: %v -> %v", a, b)
		}
	})
}

// mustInject reports, with encoding/json, whether body is a valid streamed
// request with one "stream":true, at most one stream_options that is null
// or an object, and no include_usage true in it.
func mustInject(body []byte) bool {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	ms, ok := orderedMembers(body)
	if !ok || !json.Valid(body) {
		return false
	}
	var stream, opts []json.RawMessage
	for _, m := range ms {
		switch m.key {
		case "stream":
			stream = append(stream, m.val)
		case "stream_options":
			opts = append(opts, m.val)
		}
	}
	if len(stream) != 1 || string(stream[0]) != "true" || len(opts) > 1 {
		return false
	}
	if len(opts) == 0 || string(opts[0]) == "null" {
		return true
	}
	om, ok := orderedMembers(opts[0])
	if !ok {
		return false
	}
	for _, m := range om {
		if m.key == "include_usage" && string(m.val) != "true" {
			return true
		}
	}
	for _, m := range om {
		if m.key == "include_usage" {
			return false
		}
	}
	return true
}
