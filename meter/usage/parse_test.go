package usage

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestScannerAgreesWithEncodingJSON checks the validating scanner on inputs
// chosen to trip hand-written JSON parsers; FuzzParseJSON extends this.
func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, ` {"a":1} `, `[]`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{,}`, `{"a":1 "b":2}`,
		`"\u00e9\ud83d\ude00"`, `"\u12"`, `"\x"`, "\"tab\there\"", "\"a\u0001\"", `"\/"`,
		`01`, `-`, `-0`, `1.`, `.5`, `1e`, `1e+`, `1E-2`, `-0.0e0`, `1.5e308`, `2e400`,
		`tru`, `true`, `nul`, `null x`, `{"a":[{"b":[1,2,{"c":null}]}]}`, `{"a":"}"}`,
		`{"a\"b":1}`, `"\\\\"`, `"\\"`, "\xff", `"` + "\xff" + `"`, "{\"a\":1}\x00",
		strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
		strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
		strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1),
	} {
		start, _ := skipTop([]byte(in))
		if got, want := start >= 0, json.Valid([]byte(in)); got != want {
			t.Errorf("valid(%.40q) = %v, encoding/json says %v", in, got, want)
		}
	}
}

// TestParseJSONInvalidBodyIsZero checks that a truncated or broken body
// yields no usage and Complete false rather than half-read numbers.
func TestParseJSONInvalidBodyIsZero(t *testing.T) {
	for _, in := range []string{``, `{"usage":{"prompt_tokens":5}`, `{"usage":{"prompt_tokens":5}}x`, `{"usage":{"prompt_tokens":05}}`} {
		r := Result{Model: "keep?"}
		ParseJSON(OpenAIChat, []byte(in), &r)
		if r != (Result{}) {
			t.Errorf("ParseJSON(%q) = %+v, want zero", in, r)
		}
	}
}

// TestCountsAreClampedIntegers checks the count rule: numbers truncate
// toward zero, negatives are 0, absurd values stop at MaxCount, and
// anything that is not a number counts 0.
func TestCountsAreClampedIntegers(t *testing.T) {
	for in, want := range map[string]int64{
		`12`: 12, `0`: 0, `-3`: 0, `12.9`: 12, `1e3`: 1000, `1E+2`: 100, `-0`: 0, `2e-1`: 0,
		`2147483646`: MaxCount - 1, `2147483647`: MaxCount, `2147483648`: MaxCount, `9007199254740993`: MaxCount, `1e30`: MaxCount,
		`9999999999999999`: MaxCount, `2.5e9`: MaxCount,
		`99999999999999999999999`: MaxCount, `1e400`: MaxCount, `"12"`: 0, `null`: 0, `true`: 0, `{}`: 0,
	} {
		var r Result
		ParseJSON(OpenAIEmbeddings, []byte(`{"usage":{"prompt_tokens":`+in+`}}`), &r)
		if r.Tokens.Input != want {
			t.Errorf("prompt_tokens %s: Input = %d, want %d", in, r.Tokens.Input, want)
		}
	}
}

// TestOpenAIPartsNeverExceedTotals checks that a broken upstream reporting
// more cached than prompt tokens cannot produce negative categories, and the
// input total stays what the upstream billed.
func TestOpenAIPartsNeverExceedTotals(t *testing.T) {
	var r Result
	ParseJSON(OpenAIChat, []byte(`{"usage":{"prompt_tokens":10,"completion_tokens":5,
		"prompt_tokens_details":{"cached_tokens":50},"completion_tokens_details":{"reasoning_tokens":9}}}`), &r)
	want := Tokens{CachedRead: 10, Reasoning: 5}
	if r.Tokens != want || r.Tokens.InputTotal() != 10 || r.Tokens.OutputTotal() != 5 {
		t.Fatalf("%+v, want %+v", r.Tokens, want)
	}
}

// TestKeysDecodeLikeEncodingJSON checks that escaped keys match and that a
// repeated key counts by its last occurrence, as encoding/json decodes them:
// an upstream cannot hide usage behind an escape.
func TestKeysDecodeLikeEncodingJSON(t *testing.T) {
	for in, want := range map[string]int64{
		`{"\u0075sage":{"prompt\u005ftokens":4}}`:                   4,
		`{"usage":{"prompt_tokens":4,"prompt_tokens":6}}`:           6,
		`{"usage":{"prompt_tokens":4},"usage":{"prompt_tokens":7}}`: 7,
		`{"usage":{"prompt_tokens":4,"prompt_tokens":null}}`:        0,
		`{"Usage":{"prompt_tokens":4}}`:                             0,
		`{"usage":{"prompt_tokens\u0000":4}}`:                       0,
	} {
		var r Result
		ParseJSON(OpenAIChat, []byte(in), &r)
		if r.Tokens.Input != want {
			t.Errorf("%s: Input = %d, want %d", in, r.Tokens.Input, want)
		}
	}
}

// TestModelDecoded checks that Model is the decoded string, escapes and
// all, and that an unchanged model is not copied again.
func TestModelDecoded(t *testing.T) {
	var r Result
	ParseJSON(OpenAIChat, []byte(`{"model":"gpt\u002d4o \"mini\""}`), &r)
	if r.Model != `gpt-4o "mini"` {
		t.Fatalf("Model = %q", r.Model)
	}
	body := []byte(`{"model":"gpt-4o","usage":{"prompt_tokens":1}}`)
	ParseJSON(OpenAIChat, body, &r)
	if allocs := testing.AllocsPerRun(100, func() { ParseJSON(OpenAIChat, body, &r) }); allocs != 0 {
		t.Fatalf("%v allocations re-reading the same model", allocs)
	}
}

// TestErrorsAreSeen checks the error rule on bodies: a non-null "error"
// member or a "type":"error"; a null error is no error.
func TestErrorsAreSeen(t *testing.T) {
	for in, want := range map[string]bool{
		`{"error":null,"usage":{}}`:       false,
		`{"error":{"message":"x"}}`:       true,
		`{"error":"quota"}`:               true,
		`{"type":"error","error":{}}`:     true,
		`{"type":"message","error":null}`: false,
	} {
		var r Result
		ParseJSON(AnthropicMessages, []byte(in), &r)
		if r.Errored != want {
			t.Errorf("%s: Errored = %v, want %v", in, r.Errored, want)
		}
	}
}

// TestFormatOf checks path routing: suffixes with query strings and a
// trailing slash, and look-alikes that must not be metered as LLM calls.
func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{
		"/v1/chat/completions":     OpenAIChat,
		"/v1/chat/completions?x=1": OpenAIChat,
		"/openai/deployments/d/chat/completions?api-version=2024-10-21": OpenAIChat,
		"/v1/completions":                   OpenAIChat,
		"/v1/responses":                     OpenAIResponses,
		"/v1/responses/":                    OpenAIResponses,
		"/v1/responses/resp_1":              Unknown,
		"/v1/embeddings":                    OpenAIEmbeddings,
		"/v1/messages?beta=true":            AnthropicMessages,
		"/v1/messages/count_tokens":         Unknown,
		"/v1/threads/thread_1/messages":     Unknown,
		"/v1/models":                        Unknown,
		"":                                  Unknown,
		"/":                                 Unknown,
		"/v1/chat/completionsx":             Unknown,
		"/v1/chat/completions/?q=/messages": OpenAIChat,
	} {
		if got := FormatOf([]byte(path)); got != want {
			t.Errorf("FormatOf(%q) = %v, want %v", path, got, want)
		}
	}
}

// TestTokensTotals checks the three sums that prices and limits use.
func TestTokensTotals(t *testing.T) {
	tk := Tokens{Input: 1, Output: 2, CachedRead: 4, CachedWrite: 8, Reasoning: 16}
	if tk.InputTotal() != 13 || tk.OutputTotal() != 18 || tk.Total() != 31 {
		t.Fatalf("totals %d %d %d", tk.InputTotal(), tk.OutputTotal(), tk.Total())
	}
}
