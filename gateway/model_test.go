package gateway

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
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

// TestScanBodyFindsMaxTokensAndStream checks the estimate's inputs: the
// largest max-tokens value of any of the three spellings (so a duplicate
// key cannot lower the hold) and whether a stream is asked for.
func TestScanBodyFindsMaxTokensAndStream(t *testing.T) {
	cases := []struct {
		body   string
		max    int64
		stream bool
	}{
		{`{"model":"m","max_tokens":256}`, 256, false},
		{`{"max_completion_tokens":1000,"stream":true}`, 1000, true},
		{`{"max_output_tokens":77,"stream":false}`, 77, false},
		{`{"MAX_TOKENS":5,"max_tokens":9,"Max_Tokens":3}`, 9, false},
		{`{"max_tokens":100.0}`, 100, false},
		{`{"max_tokens":1.5}`, 0, false},
		{`{"max_tokens":-1}`, 0, false},
		{`{"max_tokens":"100"}`, 0, false},
		{`{"max_tokens":1e3}`, 0, false},
		{`{"max_tokens":99999999999999999999999}`, maxTokensCap, false},
		{`{"messages":[{"max_tokens":50,"stream":true}],"model":"m"}`, 0, false},
		{`{"max\u005ftokens":12,"str\u0065am":true}`, 12, true},
		{`{"stream":true,"stream":false}`, 0, false},
		{`{"stream":"true"}`, 0, false},
		{`{"max_tokens":10,"x":{"unterminated"`, 10, false},
	}
	for _, c := range cases {
		sc := scanBody([]byte(c.body))
		if sc.maxTokens != c.max || sc.stream != c.stream {
			t.Errorf("scanBody(%s) = max %d stream %v, want %d %v", c.body, sc.maxTokens, sc.stream, c.max, c.stream)
		}
	}
}

// TestScanBodyFindsChoices checks the estimate's multiplier: the largest of
// "n" and "best_of" in any case (a duplicate key cannot lower the hold),
// integers only, at the top level only.
func TestScanBodyFindsChoices(t *testing.T) {
	cases := []struct {
		body    string
		choices int64
	}{
		{`{"model":"m","n":4}`, 4},
		{`{"n":2,"best_of":5}`, 5},
		{`{"best_of":3,"n":7}`, 7},
		{`{"N":9,"n":1}`, 9},
		{`{"Best_Of":6}`, 6},
		{`{"n":"4"}`, 0},
		{`{"n":-2}`, 0},
		{`{"n":2.5}`, 0},
		{`{"n":3.0}`, 3},
		{`{"messages":[{"n":50}],"nn":8,"model":"m"}`, 0},
		{`{"\u006e":12}`, 12},
		{`{"n":99999999999999999999999}`, maxTokensCap},
	}
	for _, c := range cases {
		if sc := scanBody([]byte(c.body)); sc.choices != c.choices {
			t.Errorf("scanBody(%s) = choices %d, want %d", c.body, sc.choices, c.choices)
		}
	}
}

// integer is what parseCount accepts: digits, optionally with a zero fraction.
var integer = regexp.MustCompile(`^[0-9]+(\.0*)?$`)

// FuzzScanBody checks scanBody never panics and, on valid JSON objects,
// agrees with encoding/json's tokenizer about the largest max-tokens value,
// the last stream flag and the largest n or best_of at the top level.
func FuzzScanBody(f *testing.F) {
	for _, s := range []string{`{"max_tokens":12}`, `{"a":[{"max_tokens":1}],"max_completion_tokens":30,"stream":true}`,
		`{"MAX_OUTPUT_TOKENS":7.00,"stream":false}`, `{"max_tokens":1,"max_tokens":2}`, `{}`, `{"n":3,"BEST_OF":5.0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sc := scanBody(b)
		if !json.Valid(b) || !utf8.Valid(b) {
			return
		}
		d := json.NewDecoder(bytes.NewReader(b))
		if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
			return
		}
		var wantMax, wantChoices int64
		wantStream := false
		for d.More() {
			tok, err := d.Token()
			if err != nil {
				return
			}
			key := tok.(string)
			var v json.RawMessage
			if d.Decode(&v) != nil {
				return
			}
			switch {
			case strings.EqualFold(key, "max_tokens"), strings.EqualFold(key, "max_completion_tokens"), strings.EqualFold(key, "max_output_tokens"):
				if integer.Match(v) {
					n, err := strconv.ParseFloat(string(v), 64)
					if err == nil && n > maxTokensCap {
						n = maxTokensCap
					}
					wantMax = max(wantMax, int64(n))
				}
			case strings.EqualFold(key, "stream"):
				wantStream = string(v) == "true"
			case strings.EqualFold(key, "n"), strings.EqualFold(key, "best_of"):
				if integer.Match(v) {
					n, err := strconv.ParseFloat(string(v), 64)
					if err == nil && n > maxTokensCap {
						n = maxTokensCap
					}
					wantChoices = max(wantChoices, int64(n))
				}
			}
		}
		if sc.maxTokens != wantMax || sc.stream != wantStream || sc.choices != wantChoices {
			t.Fatalf("body %q: scanBody max %d stream %v choices %d, encoding/json %d %v %d", b, sc.maxTokens, sc.stream, sc.choices,
				wantMax, wantStream, wantChoices)
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
