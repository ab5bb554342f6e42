package gateway

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestScanModel(t *testing.T) {
	cases := []struct {
		body, want string
		ok         bool
	}{
		{`{"model":"gpt-4o"}`, "gpt-4o", true},
		{` { "messages" : [ {"model":"inner"} ], "model" : "outer" } `, "outer", true},
		{`{"a":{"model":"x","b":[1,"]}",{}]},"model":"y"}`, "y", true},
		{`{"MODEL":"gpt-4o"}`, "gpt-4o", true},       // Go's decoder reads it
		{"\xef\xbb\xbf{\"model\":\"m\"}", "m", true}, // Python's json.loads accepts a BOM
		{`{"model":"gpt\u002d4o"}`, "gpt-4o", true},
		{`{"mod\u0065l":"m"}`, "m", true},
		{`{"model":"a\"b"}`, `a"b`, true},
		{`{"temperature":NaN,"model":"m",}`, "m", true},
		{`{"model":1}`, "", false},
		{`["model","x"]`, "", false},
		{`{"model":"unterminated}`, "", false},
		{`{"x":{"model":"m"}`, "", false},
		{``, "", false},
		{`"model"`, "", false},
	}
	for _, c := range cases {
		raw, esc, n := scanModel([]byte(c.body))
		if n > 1 {
			t.Errorf("scanModel(%s) counted %d model keys", c.body, n)
		}
		got, ok := string(raw), raw != nil
		if esc {
			b, uok := unescapeJSON(nil, raw)
			got, ok = string(b), ok && uok
		}
		if got != c.want || ok != c.ok {
			t.Errorf("scanModel(%s) = %q %v, want %q %v", c.body, got, ok, c.want, c.ok)
		}
	}
}

// TestScanModelCountsEveryModelKey: two keys that name the model, in any case
// or with escapes, are ambiguous (the gateway refuses them).
func TestScanModelCountsEveryModelKey(t *testing.T) {
	for _, body := range []string{`{"model":"a","model":"b"}`, `{"model":"a","model":null}`,
		`{"model":"expensive","MODEL":"cheap"}`, `{"Model":"a","mod\u0065l":"b"}`} {
		if _, _, n := scanModel([]byte(body)); n != 2 {
			t.Errorf("scanModel(%s) counted %d model keys, want 2", body, n)
		}
	}
}

// FuzzScanModel checks scanModel never panics and, on valid JSON with one
// model key, agrees with encoding/json (case-insensitive keys, as Go's
// struct decoding) about the top-level model string.
func FuzzScanModel(f *testing.F) {
	for _, s := range []string{`{"model":"gpt-4o"}`, `{"a":[{"model":"x"}],"model":"y"}`, `{"model":"\ud83d\ude00"}`,
		`{"model":"a","model":2}`, `{"mod\u0065l":"z"}`, `{}`, `[]`, `{"model":"a\\b"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, esc, n := scanModel(b)
		got, ok := string(raw), raw != nil
		if esc {
			d, uok := unescapeJSON(nil, raw)
			got, ok = string(d), ok && uok
		}
		if n > 1 || !json.Valid(b) || !utf8.Valid(b) {
			return // ambiguous bodies are refused; invalid JSON has no answer to compare
		}
		var m struct {
			Model json.RawMessage `json:"model"`
		}
		if json.Unmarshal(b, &m) != nil {
			return // not an object
		}
		var want string
		wantOK := json.Unmarshal(m.Model, &want) == nil && len(m.Model) > 0 && m.Model[0] == '"'
		if ok != wantOK || (ok && got != want) {
			t.Fatalf("body %q: scanModel %q %v, encoding/json %q %v", b, got, ok, want, wantOK)
		}
	})
}

// BenchmarkScanModel measures finding the model in a typical chat body.
func BenchmarkScanModel(b *testing.B) {
	body := []byte(`{"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in three languages, please."}],"temperature":0.2,"stream":true,"model":"gpt-4o-mini"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if v, _, _ := scanModel(body); len(v) == 0 {
			b.Fatal("no model")
		}
	}
}
