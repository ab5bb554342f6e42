package usage

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// benchEvents is the number of events in each benchmark stream.
const benchEvents = 200

// benchStream returns a realistic stream of benchEvents events in format f,
// one event per slice, as a proxy reads them from a flushing upstream.
func benchStream(f Format) [][]byte {
	var evs []string
	add := func(format string, a ...any) { evs = append(evs, fmt.Sprintf(format, a...)) }
	words := strings.Fields("the quick brown fox jumps over the lazy dog while a \"quoted\" word\nand a newline pass")
	switch f {
	case OpenAIChat:
		for i := range benchEvents - 2 {
			add(`data: {"id":"chatcmpl-C9f2x7Kq","object":"chat.completion.chunk","created":1741570200,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":%q},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x9Tq"}`+"\n\n", " "+words[i%len(words)])
		}
		add(`data: {"id":"chatcmpl-C9f2x7Kq","object":"chat.completion.chunk","created":1741570200,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":198,"total_tokens":210,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}` + "\n\n")
		add("data: [DONE]\n\n")
	case OpenAIResponses:
		resp := `{"id":"resp_1","object":"response","created_at":1741476542,"status":"%s","error":null,"model":"gpt-4.1-2025-04-14","output":[%s],"usage":%s}`
		add("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":"+resp+"}\n\n", "in_progress", "", "null")
		var text strings.Builder
		for i := range benchEvents - 2 {
			w := " " + words[i%len(words)]
			text.WriteString(w)
			add(`event: response.output_text.delta`+"\n"+`data: {"type":"response.output_text.delta","sequence_number":%d,"item_id":"msg_67ccd2bf17f0819081ff3bb2cf6508e6","output_index":0,"content_index":0,"delta":%q,"logprobs":[]}`+"\n\n", i+1, w)
		}
		out := fmt.Sprintf(`{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":%q,"annotations":[]}]}`, text.String())
		add("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":199,\"response\":"+resp+"}\n\n", "completed", out,
			`{"input_tokens":37,"input_tokens_details":{"cached_tokens":0},"output_tokens":198,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":235}`)
	case AnthropicMessages:
		add(`event: message_start` + "\n" + `data: {"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01Hk8sd2","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":317,"cache_creation_input_tokens":4425,"cache_read_input_tokens":12000,"output_tokens":1}}}` + "\n\n")
		for i := range benchEvents - 3 {
			add(`event: content_block_delta`+"\n"+`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":%q}}`+"\n\n", " "+words[i%len(words)])
		}
		add(`event: message_delta` + "\n" + `data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":317,"cache_creation_input_tokens":4425,"cache_read_input_tokens":12000,"output_tokens":198}}` + "\n\n")
		add("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	}
	chunks := make([][]byte, len(evs))
	for i, e := range evs {
		chunks[i] = []byte(e)
	}
	return chunks
}

// BenchmarkStream measures metering on the request path: bytes/s through
// Process and allocations per event, which should be 0 in steady state.
func BenchmarkStream(b *testing.B) {
	for _, tc := range []struct {
		f     Format
		strip bool
	}{{OpenAIChat, false}, {OpenAIChat, true}, {OpenAIResponses, false}, {AnthropicMessages, false}} {
		name := tc.f.String()
		if tc.strip {
			name += "/strip"
		}
		b.Run(name, func(b *testing.B) {
			chunks := benchStream(tc.f)
			n := 0
			for _, c := range chunks {
				n += len(c)
			}
			var s Stream
			scratch := make([]byte, 0, 4096)
			runOnce := func() {
				s.Reset(tc.f, tc.strip)
				for _, c := range chunks {
					s.Process(scratch[:0], c)
				}
				s.Flush(scratch[:0])
			}
			runOnce()
			if r := s.Result(); !r.Found || !r.Complete || len(chunks) != benchEvents {
				b.Fatalf("bench stream not metered: %+v, %d events", *r, len(chunks))
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				runOnce()
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*benchEvents), "allocs/event")
		})
	}
}

// BenchmarkParseJSON measures reading a whole chat completion body.
func BenchmarkParseJSON(b *testing.B) {
	body := readCorpusFile(b, "openai_chat.json")
	var r Result
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		ParseJSON(OpenAIChat, body, &r)
	}
}

// BenchmarkInjectIncludeUsage measures the request rewrite on a 4 KiB
// streamed chat request.
func BenchmarkInjectIncludeUsage(b *testing.B) {
	body := []byte(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"system","content":"` +
		strings.Repeat("You are terse. ", 270) + `"},{"role":"user","content":"hi"}],"temperature":0.2}`)
	dst := make([]byte, 0, 2*len(body))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		InjectIncludeUsage(dst[:0], body)
	}
}
