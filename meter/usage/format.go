package usage

import "bytes"

// Format is the shape of an LLM API response, which decides where its usage
// is. The zero value, Unknown, reads no usage.
type Format uint8

// The formats Tollgate reads usage from.
const (
	Unknown           Format = iota
	OpenAIChat               // /chat/completions and the legacy /completions
	OpenAIResponses          // /responses
	OpenAIEmbeddings         // /embeddings
	AnthropicMessages        // /messages
)

// String returns the format's name, for logs and test names.
func (f Format) String() string {
	switch f {
	case OpenAIChat:
		return "openai-chat"
	case OpenAIResponses:
		return "openai-responses"
	case OpenAIEmbeddings:
		return "openai-embeddings"
	case AnthropicMessages:
		return "anthropic-messages"
	}
	return "unknown"
}

// FormatOf returns the format of the response to a request for path, by the
// path's last segments, ignoring a query string and one trailing slash:
// "/v1/chat/completions?x=1" is OpenAIChat. Paths that only share a last
// segment with an LLM endpoint, such as the Assistants API's
// "/threads/{id}/messages", are Unknown. It does not allocate.
func FormatOf(path []byte) Format {
	if q := bytes.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	if n := len(path); n > 1 && path[n-1] == '/' {
		path = path[:n-1]
	}
	switch {
	case bytes.HasSuffix(path, []byte("/completions")): // also /chat/completions
		return OpenAIChat
	case bytes.HasSuffix(path, []byte("/responses")):
		return OpenAIResponses
	case bytes.HasSuffix(path, []byte("/embeddings")):
		return OpenAIEmbeddings
	case bytes.HasSuffix(path, []byte("/messages")) && !bytes.Contains(path, []byte("/threads/")):
		return AnthropicMessages
	}
	return Unknown
}
