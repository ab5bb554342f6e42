package devmode

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// maxEchoWords bounds how much of the last user message the demo reply echoes.
const maxEchoWords = 48

// greeting is the reply when the conversation has no user text to echo.
const greeting = "Hello from the Tollgate demo upstream."

// chatRequest holds the fields of a chat completion request that the demo
// reads. Other fields are accepted and ignored, as an OpenAI-compatible
// server must accept what real clients send.
type chatRequest struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	Stream              bool          `json:"stream"`
	StreamOptions       *streamOpts   `json:"stream_options"`
	MaxTokens           int           `json:"max_tokens"`
	MaxCompletionTokens int           `json:"max_completion_tokens"`
}

type streamOpts struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// contentPart is one element of array-form message content.
type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// requestError is a 400 answer: the parameter at fault and what is wrong.
type requestError struct{ param, msg string }

func (e *requestError) Error() string { return "devmode: " + e.msg }

// parseChatRequest decodes and validates body. The error, when not nil, is a
// *requestError naming the parameter at fault.
func parseChatRequest(body []byte) (*chatRequest, error) {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &requestError{"", "request body is not valid JSON: " + err.Error()}
	}
	if req.Model == "" {
		return nil, &requestError{"model", "you must provide a model parameter"}
	}
	if len(req.Messages) == 0 {
		return nil, &requestError{"messages", "messages must be a non-empty array"}
	}
	for i, m := range req.Messages {
		if m.Role == "" {
			return nil, &requestError{fmt.Sprintf("messages[%d].role", i), fmt.Sprintf("messages[%d].role is required", i)}
		}
		if _, err := messageText(m.Content); err != nil {
			return nil, &requestError{fmt.Sprintf("messages[%d].content", i), fmt.Sprintf("messages[%d].content: %v", i, err)}
		}
	}
	if req.MaxTokens < 0 || req.MaxCompletionTokens < 0 {
		return nil, &requestError{"max_tokens", "max_tokens must not be negative"}
	}
	return &req, nil
}

// messageText returns the text of a message's content, which is a string,
// null, or an array of parts of which the text parts are joined by spaces.
func messageText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []contentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("must be a string or an array of content parts")
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, " "), nil
}

// reply is the demo answer to a request: its words (joined by single spaces
// they form the content), the token counts and the finish reason.
type reply struct {
	words            []string
	promptTokens     int
	completionTokens int
	finishReason     string
}

// content returns the reply text.
func (r *reply) content() string { return strings.Join(r.words, " ") }

// buildReply answers req deterministically: "You said: " and the first words
// of the last user message, or a greeting when there is none. Prompt tokens
// are the words of every message (at least one); completion tokens are the
// words of the reply, cut at max_completion_tokens or max_tokens with
// finish_reason "length".
func buildReply(req *chatRequest) reply {
	prompt, last := 0, ""
	for _, m := range req.Messages {
		text, _ := messageText(m.Content) // validated by parseChatRequest
		prompt += len(strings.Fields(text))
		if m.Role == "user" {
			last = text
		}
	}
	words := strings.Fields(greeting)
	if echo := strings.Fields(last); len(echo) > 0 {
		words = append([]string{"You", "said:"}, echo[:min(len(echo), maxEchoWords)]...)
	}
	r := reply{words: words, promptTokens: max(prompt, 1), finishReason: "stop"}
	limit := req.MaxCompletionTokens
	if limit == 0 {
		limit = req.MaxTokens
	}
	if limit > 0 && len(r.words) > limit {
		r.words, r.finishReason = r.words[:limit], "length"
	}
	r.completionTokens = len(r.words)
	return r
}
