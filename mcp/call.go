package mcp

import (
	"encoding/json"
	"fmt"
)

// MaxBatch is the largest JSON-RPC batch Inspect accepts, in messages.
const MaxBatch = 100

// Kind is the kind of a JSON-RPC message. The zero Kind is no message.
type Kind uint8

// The kinds of JSON-RPC message. Clients POST all three: requests,
// notifications, and responses to the server's own requests (sampling,
// elicitation, roots).
const (
	Request      Kind = iota + 1 // a method and an id: a response is due
	Notification                 // a method and no id
	Response                     // a result or an error, no method
)

// String returns the kind's name in lower case.
func (k Kind) String() string {
	switch k {
	case Request:
		return "request"
	case Notification:
		return "notification"
	case Response:
		return "response"
	}
	return "none"
}

// Call is what Inspect learns from one JSON-RPC message. Its strings and
// byte slices alias the inspected body (a string with escapes is the
// exception: it is decoded into a new string), so the body must not change
// while the Call is in use.
type Call struct {
	Kind Kind
	// Method is the method of a request or notification, decoded.
	Method string
	// ID is the raw JSON of the id member ("7", "\"a\"", "null" on some
	// error responses), nil when there is none, as in a notification.
	ID []byte
	// Tool is the tool a tools/call names (params.name, decoded); "" for
	// other methods.
	Tool string
	// Name is the value the 2026-07-28 Mcp-Name header mirrors:
	// params.name of tools/call and prompts/get, params.uri of
	// resources/read, resources/subscribe and resources/unsubscribe; ""
	// otherwise or when absent.
	Name string
	// Start and End delimit the message in the body: body[Start:End].
	Start, End int
}

// IsToolCall reports whether c is a tools/call request or notification.
func (c *Call) IsToolCall() bool { return c.Method == "tools/call" && c.Kind != Response }

// Inspect reads a POSTed JSON-RPC body, one message or a batch (a JSON
// array, allowed by the 2025-03-26 revision), and appends what it learns
// about each message to dst, in order. batch reports whether the body is an
// array. The body is validated as encoding/json would; method, id and the
// tool name are decoded as encoding/json decodes them, and keys are matched
// ignoring case as encoding/json matches struct fields, so that no parser
// downstream reads another method or tool than the gateway did. For the
// same reason a repeated member is refused (ErrDuplicateMember), and so is
// a request id that is neither a string nor an integer within ±(2^53 − 1)
// (MCP requires string or integer ids; a peer that decodes ids as float64
// would otherwise answer with another id).
//
// A batch whose requests repeat an id (similarID: 5, 5.0 and "5" alike) is
// refused (ErrDuplicateID): their responses could not be told apart.
//
// The error wraps ErrInvalidJSON, ErrNotMessage, ErrEmptyBatch,
// ErrBatchTooLarge, ErrDuplicateMember, ErrBadMember or ErrDuplicateID and names the
// problem. Inspect does not allocate unless a string it returns has escapes
// or dst must grow.
func Inspect(body []byte, dst []Call) (calls []Call, batch bool, err error) {
	i := skipWS(body, 0)
	if i < len(body) && body[i] == '[' {
		calls, err = inspectBatch(body, i, dst)
		return calls, true, err
	}
	if i >= len(body) || body[i] != '{' {
		return dst, false, invalid(body, fmt.Errorf("%w: the body is %s, not an object or an array", ErrNotMessage, jsonType(body, i)))
	}
	c, end, err := message(body, i, 1)
	if err != nil {
		return dst, false, invalid(body, err)
	}
	if skipWS(body, end) != len(body) {
		return dst, false, invalid(body, nil)
	}
	return append(dst, c), false, nil
}

// inspectBatch reads the batch whose '[' is body[i].
func inspectBatch(body []byte, i int, dst []Call) ([]Call, error) {
	n0 := len(dst)
	i = skipWS(body, i+1)
	if i < len(body) && body[i] == ']' {
		if skipWS(body, i+1) != len(body) {
			return dst[:n0], invalid(body, nil)
		}
		return dst[:n0], ErrEmptyBatch
	}
	for n := 0; ; n++ {
		if n == MaxBatch {
			return dst[:n0], invalid(body, fmt.Errorf("%w: more than %d messages", ErrBatchTooLarge, MaxBatch))
		}
		if i >= len(body) || body[i] != '{' {
			return dst[:n0], invalid(body, fmt.Errorf("%w: batch element %d is %s, not an object", ErrNotMessage, n, jsonType(body, i)))
		}
		c, end, err := message(body, i, 2)
		if err != nil {
			return dst[:n0], invalid(body, fmt.Errorf("batch element %d: %w", n, err))
		}
		dst = append(dst, c)
		i = skipWS(body, end)
		if i >= len(body) {
			return dst[:n0], invalid(body, nil)
		}
		switch body[i] {
		case ']':
			if skipWS(body, i+1) != len(body) {
				return dst[:n0], invalid(body, nil)
			}
			if k := repeatedID(dst[n0:]); k >= 0 {
				return dst[:n0], fmt.Errorf("%w: batch element %d has the id %.64s of an earlier request", ErrDuplicateID, k, dst[n0+k].ID)
			}
			return dst, nil
		case ',':
			i = skipWS(body, i+1)
		default:
			return dst[:n0], invalid(body, nil)
		}
	}
}

// invalid returns ErrInvalidJSON, with encoding/json's description, when
// body is not valid JSON, and err otherwise: a body that is not JSON is
// reported as such even when a structural problem came first.
func invalid(body []byte, err error) error {
	if start, _ := topValue(body); start >= 0 && err != nil {
		return err
	}
	var v json.RawMessage
	if jerr := json.Unmarshal(body, &v); jerr != nil {
		return fmt.Errorf("%w: %v", ErrInvalidJSON, jerr)
	}
	return ErrInvalidJSON
}

// jsonType names the JSON type of the value starting at b[i].
func jsonType(b []byte, i int) string {
	if i >= len(b) {
		return "empty"
	}
	switch c := b[i]; {
	case c == '"':
		return "a string"
	case c == '[':
		return "an array"
	case c == '{':
		return "an object"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case isNumberStart(c):
		return "a number"
	}
	return "not JSON"
}
