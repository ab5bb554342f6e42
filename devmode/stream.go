package devmode

import (
	"encoding/json"
	"net/http"
)

// delta is the incremental message of a streamed choice.
type delta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
	Refusal *string `json:"refusal,omitempty"`
}

type chunkChoice struct {
	Index        int       `json:"index"`
	Delta        delta     `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

// chunk is one chat.completion.chunk. Usage is omitted unless the client
// asked for usage; then it is null on every chunk but the last, which has it
// and no choices, as OpenAI sends it.
type chunk struct {
	ID          string        `json:"id"`
	Object      string        `json:"object"`
	Created     int64         `json:"created"`
	Model       string        `json:"model"`
	ServiceTier string        `json:"service_tier"`
	Choices     []chunkChoice `json:"choices"`
	Usage       any           `json:"usage,omitempty"`
}

// jsonNull is the usage value of a chunk that carries no usage.
var jsonNull = json.RawMessage("null")

// streamReply writes rep as an OpenAI server-sent event stream: a role delta,
// one content delta per word, a finish_reason chunk, a usage chunk when
// includeUsage is set, then `data: [DONE]`. It flushes after every event and
// stops early when the client goes away.
func streamReply(w http.ResponseWriter, r *http.Request, c completion, rep reply, includeUsage bool) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sse := &sseWriter{w: w, rc: http.NewResponseController(w), r: r}

	var noUsage any
	if includeUsage {
		noUsage = jsonNull
	}
	mk := func(choices []chunkChoice, u any) *chunk {
		return &chunk{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
			ServiceTier: "default", Choices: choices, Usage: u}
	}
	empty := ""
	sse.event(mk([]chunkChoice{{Delta: delta{Role: "assistant", Content: &empty, Refusal: nil}}}, noUsage))
	for i, word := range rep.words {
		if i > 0 {
			word = " " + word
		}
		sse.event(mk([]chunkChoice{{Delta: delta{Content: &word}}}, noUsage))
	}
	finish := rep.finishReason
	sse.event(mk([]chunkChoice{{FinishReason: &finish}}, noUsage))
	if includeUsage {
		sse.event(mk([]chunkChoice{}, newUsage(rep)))
	}
	sse.raw([]byte("[DONE]"))
}

// sseWriter writes `data:` events and flushes each. After the first failure,
// or once the client has gone, it writes nothing more.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	r   *http.Request
	err error
}

func (s *sseWriter) event(c *chunk) {
	b, err := json.Marshal(c)
	if err != nil {
		s.err = err
		return
	}
	s.raw(b)
}

func (s *sseWriter) raw(data []byte) {
	if s.err != nil {
		return
	}
	if s.err = s.r.Context().Err(); s.err != nil {
		return
	}
	buf := make([]byte, 0, len(data)+8)
	buf = append(append(append(buf, "data: "...), data...), "\n\n"...)
	if _, s.err = s.w.Write(buf); s.err != nil {
		return
	}
	s.err = s.rc.Flush()
}
