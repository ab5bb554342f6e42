package main

import (
	"bufio"
	"bytes"
	"fmt"
)

// Usage the stream reports in its last chunk, so that a gateway that meters
// streams has tokens to count and price.
const (
	ssePromptTokens     = 9
	sseCompletionTokens = 200
)

// sseBody is one precomputed event stream, cut into the groups written
// between flushes. It is built once at start and only read afterwards, so
// it is safe for concurrent use.
type sseBody struct {
	groups [][]byte
	size   int // bytes in all groups
}

// newSSEBody builds a stream of events content chunks, then a chunk with
// finish_reason "stop", a chunk with empty choices and the usage (as OpenAI
// sends it when stream_options.include_usage is set), and "data: [DONE]",
// grouped flush events to a group. events must be at least 1 and flush at
// least 1.
func newSSEBody(events, flush int) (*sseBody, error) {
	if events < 1 || flush < 1 {
		return nil, fmt.Errorf("upstream: -events and -flush must be at least 1, got %d and %d", events, flush)
	}
	const head = `data: {"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion.chunk",` +
		`"created":1767225600,"model":"bench-model","choices":`
	var all [][]byte
	for i := 0; i < events; i++ {
		all = append(all, fmt.Appendf(nil, head+`[{"index":0,"delta":{"content":"tok%03d "},"finish_reason":null}]}`+"\n\n", i%1000))
	}
	all = append(all, []byte(head+`[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n"))
	all = append(all, fmt.Appendf(nil, head+`[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`+"\n\n",
		ssePromptTokens, sseCompletionTokens, ssePromptTokens+sseCompletionTokens))
	all = append(all, []byte("data: [DONE]\n\n"))
	b := &sseBody{}
	for i := 0; i < len(all); i += flush {
		g := bytes.Join(all[i:min(i+flush, len(all))], nil)
		b.groups = append(b.groups, g)
		b.size += len(g)
	}
	return b, nil
}

// writeTo writes the stream to w, flushing after each group. It stops at
// the first error: the client went away.
func (b *sseBody) writeTo(w *bufio.Writer) {
	for _, g := range b.groups {
		if _, err := w.Write(g); err != nil {
			return
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}
