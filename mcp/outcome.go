package mcp

// ResultKind is the outcome of a JSON-RPC response, as metering counts it.
// The zero ResultKind, NoResult, is not a response.
type ResultKind uint8

// The outcomes of a response.
const (
	NoResult  ResultKind = iota // not a response (a request, a notification, not JSON)
	OK                          // a result
	ToolError                   // a result with "isError": true (a tool's own failure)
	RPCError                    // an error member: the call failed at the protocol level
	Unread                      // a response too large for the Stream to read (over MaxEvent)
)

// String returns the outcome's name as metering records it.
func (k ResultKind) String() string {
	switch k {
	case OK:
		return "ok"
	case ToolError:
		return "tool_error"
	case RPCError:
		return "rpc_error"
	case Unread:
		return "unread"
	}
	return "none"
}

// Outcome reads one JSON-RPC message and returns its id (raw JSON,
// aliasing msg) and outcome: RPCError when it has a non-null error member,
// else ToolError when its result has "isError": true, else OK when it has
// a result; NoResult for anything else, including requests and invalid
// JSON, and a message with two ids, which answers no request for sure.
// When another member repeats, the last occurrence counts, as with
// encoding/json. Outcome does not allocate.
func Outcome(msg []byte) (id []byte, o ResultKind) {
	start, _ := topValue(msg)
	if start < 0 {
		return nil, NoResult
	}
	id, o, _ = outcome(msg, start, 1)
	return id, o
}

// Outcomes calls f with the id and outcome of each response in body, one
// message or a batch (an array), in order; other messages are skipped. id
// aliases body.
func Outcomes(body []byte, f func(id []byte, o ResultKind)) {
	start, _ := topValue(body)
	if start < 0 {
		return
	}
	if body[start] != '[' {
		if id, o, _ := outcome(body, start, 1); o != NoResult {
			f(id, o)
		}
		return
	}
	e := arrayAt(body, start, 1)
	for e.next() {
		if id, o, _ := outcome(body, e.start, 2); o != NoResult {
			f(id, o)
		}
	}
}

// outcome reads the value at b[i], nested depth-1 containers deep, and
// returns the index just past it (-1 when it is malformed, or when a method
// member showed it is no response before the end was reached).
func outcome(b []byte, i, depth int) (id []byte, o ResultKind, end int) {
	if b[i] != '{' {
		return nil, NoResult, -1
	}
	var result []byte
	failed, ids := false, 0
	m := objectAt(b, i, depth)
	for m.next() {
		switch {
		case keyIs(m.key, "id"):
			id, ids = m.val(), ids+1
		case keyIs(m.key, "error"):
			failed = b[m.valStart] != 'n'
		case keyIs(m.key, "result"):
			result = m.val()
		case keyIs(m.key, "method"):
			return nil, NoResult, -1
		}
	}
	if m.end < 0 {
		return nil, NoResult, -1
	}
	if o = kindOf(ids, failed, result, depth); o == NoResult {
		id = nil
	}
	return id, o, m.end
}

// kindOf is the outcome of a response with ids id members, a non-null
// error when failed, and the result (nil when absent).
func kindOf(ids int, failed bool, result []byte, depth int) ResultKind {
	switch {
	case ids > 1:
		return NoResult
	case failed:
		return RPCError
	case result == nil:
		return NoResult
	case result[0] == '{' && isErrorSet(result, depth+1):
		return ToolError
	}
	return OK
}

// isErrorSet reports whether the result object r has "isError": true (its
// last isError member).
func isErrorSet(r []byte, depth int) bool {
	set := false
	m := objectAt(r, 0, depth)
	for m.next() {
		if keyIs(m.key, "isError") {
			set = r[m.valStart] == 't'
		}
	}
	return set
}
