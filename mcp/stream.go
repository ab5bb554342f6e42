package mcp

// MaxEvent is the largest server-sent event, in bytes including its line
// terminators, that a Stream holds back to rewrite (a tools/list response,
// an endpoint event) or reads whole to learn a tools/call outcome. It bounds
// the memory of a Stream; larger events are handled as Stream says.
const MaxEvent = 4 << 20

// Pending is what a Stream watches for in the responses it relays.
type Pending struct {
	// Calls are the messages of the request the stream answers (Inspect's
	// result). The tools/call requests among them are watched for their
	// outcome, and the tools/list requests, when Policy is set, for
	// filtering; an Observation's Ref is the index in Calls. Reset copies
	// what it needs, so Calls may alias a request body that is then
	// released.
	Calls []Call
	// Policy filters tools/list results (FilterToolsList). nil leaves
	// them as they are and holds nothing back.
	Policy *Policy
	// Tracker, on a 2024-11-05 GET stream, holds the requests POSTed in
	// the session, whose responses arrive on this stream.
	Tracker *Tracker
	// Endpoint, on a GET stream, rewrites the 2024-11-05 endpoint event;
	// the zero Endpoint (no Prefix) leaves it.
	Endpoint Endpoint
}

// Observation is the outcome of a watched tools/call, seen in the
// response: Ref is the request's index in Pending.Calls, or the ref given
// to Tracker.Add.
type Observation struct {
	Ref     int
	Outcome ResultKind
}

// Stream relays one MCP response stream (the SSE answer to a POST, or a
// GET stream) from upstream to client, incrementally, as the bytes arrive.
// Every byte passes unchanged and at once, with these exceptions:
//
//   - with a Policy, every response whose result has a "tools" array is
//     held until its event ends and then passes filtered (FilterToolsList),
//     whatever request it answers: a stream may carry responses to
//     requests the gateway never saw or cannot tie to this stream (a
//     replayed or resumed stream, a request id used twice). Each event is
//     held only until its data shows it is something else (a "method"
//     member: a request or notification; or the end of an object without
//     result.tools), and since a client dispatches an event only once it
//     ends, holding delays nothing it could use;
//   - with an Endpoint, the first event with data is held until it ends,
//     and when it is an "endpoint" event its data URI is replaced by
//     Endpoint.Rewrite's path; a URI that cannot be rewritten withholds
//     the event and sets Err;
//   - a held event over MaxEvent is withheld when it may be a tools/list
//     response: one whose result.tools began within MaxEvent bytes is
//     replaced by a JSON-RPC error event for its id (CodeInternal), and a
//     batch array of messages or an oversized endpoint event is dropped
//     and sets Err. An object whose first MaxEvent bytes show no
//     result.tools passes (a large tools/call result); no server puts
//     megabytes before a tools/list result's tools.
//
// A rewritten event keeps its other lines (id, retry, comments, event) and
// line terminators; only data lines change. The outcome of each watched
// tools/call is read from its response as it passes and reported by
// Observed after the Process call that saw it end (a response over
// MaxEvent is Unread). Framing follows the WHATWG EventSource rules (LF, CR
// or CRLF line ends); chunk boundaries may fall anywhere.
//
// The zero Stream passes everything through; Reset prepares it for a
// stream. A Stream is reusable, does not allocate per event in steady state
// (it keeps one event's data, one held event, and scratch for a rewrite),
// and is not safe for concurrent use.
type Stream struct {
	policy      *Policy
	tracker     *Tracker
	endpoint    Endpoint
	endpointDue bool // the first event with data has not ended yet
	watches     []watch
	ids         []byte // the watched ids, watch.from:to
	lists       int    // watched tools/list requests not yet answered
	calls       int    // watched tools/call requests not yet answered
	observed    []Observation
	err         error
	blind       bool // bytes passed unscanned: AtBoundary cannot tell

	// The current line.
	cr      bool // the last byte was a CR ending a line: an LF right after it belongs to it
	lineLen int  // bytes of the line so far, terminator excluded
	field   fieldKind
	name    [5]byte // the field name so far, while field is fieldName
	nameLen int
	space   bool // the value has not started: a leading space is still skipped

	// The current event.
	inEvent   bool
	mode      mode
	collect   bool // gather the event's data
	size      int  // bytes of the event so far
	big       bool // size exceeded MaxEvent
	dataLines int
	data      []byte // the data lines joined with LF, at most MaxEvent bytes
	etype     [16]byte
	etypeLen  int // -1 when the event type is longer than etype
	peeking   bool
	peekAt    int    // where peek resumes in data: after the last whole member
	peekN     int    // members peek has read
	resStart  int    // where the "result" object peek walks starts in data; 0: none yet
	resAt     int    // where peek resumes within it
	resN      int    // its members peek has read
	matchID   []byte // the id of the held response, to answer it when too large
	hold      []byte // bytes of the held event received in earlier calls
	held      bool
	scratch   []byte
}

// watch is a request whose response a Stream watches for.
type watch struct {
	ref      int
	list     bool // tools/list; else tools/call
	done     bool
	from, to int // its id in Stream.ids
}

// mode is what happens to the bytes of the current event.
type mode uint8

const (
	modePass      mode = iota // sent as they arrive
	modeHold                  // held to the end: maybe the endpoint event
	modeUndecided             // held: maybe the response to a watched tools/list
	modeMatched               // held to the end: the response to a watched tools/list
	modeDrop                  // withheld: too large to rewrite
)

// keepCap is the largest buffer capacity Reset keeps, so that one huge
// event does not pin memory for the Stream's later uses.
const keepCap = 64 << 10

// Reset prepares s for a new stream that answers p.
func (s *Stream) Reset(p Pending) {
	*s = Stream{
		policy: p.Policy, tracker: p.Tracker, endpoint: p.Endpoint, endpointDue: p.Endpoint.Prefix != "",
		watches: s.watches[:0], ids: s.ids[:0], observed: s.observed[:0],
		data: small(s.data), hold: small(s.hold), scratch: small(s.scratch), matchID: s.matchID[:0],
	}
	for i := range p.Calls {
		c := &p.Calls[i]
		list := c.Method == "tools/list" && p.Policy != nil
		if c.Kind != Request || !list && c.Method != "tools/call" {
			continue
		}
		from := len(s.ids)
		s.ids = append(s.ids, c.ID...)
		s.watches = append(s.watches, watch{ref: i, list: list, from: from, to: len(s.ids)})
		if list {
			s.lists++
		} else {
			s.calls++
		}
	}
}

// small returns b emptied, or nil when its capacity is over keepCap.
func small(b []byte) []byte {
	if cap(b) > keepCap {
		return nil
	}
	return b[:0]
}

// Process consumes the next bytes p read from upstream and returns the
// bytes to send to the client now. The result is p itself, a prefix of p,
// or dst with the bytes appended; dst is scratch the caller owns. The
// result may share p's memory, so it must not be passed as a later dst.
// With nothing to watch Process returns p without looking at it.
func (s *Stream) Process(dst, p []byte) []byte {
	s.observed = s.observed[:0]
	if s.idle() {
		s.blind = s.blind || len(p) > 0
		return p
	}
	o := output{p: p, dst: dst}
	s.scan(&o)
	s.finishChunk(&o)
	return o.result()
}

// idle reports whether nothing is left to watch, so that bytes need not
// even be framed.
func (s *Stream) idle() bool {
	return !s.inEvent && s.policy == nil && s.calls == 0 && s.tracker == nil && !s.endpointDue
}

// Flush ends the stream at EOF and returns, appended to dst, what is
// still held of an unfinished event when it has no data yet. An unfinished
// event with data still held (one that may be a tools/list response, or
// the endpoint event) is dropped rather than passed unfiltered: a client
// does not dispatch an unfinished event anyway.
func (s *Stream) Flush(dst []byte) []byte {
	s.observed = s.observed[:0]
	if s.held && s.mode == modeUndecided && s.dataLines == 0 {
		dst = append(dst, s.hold...) // no data yet: fields such as id pass
	}
	s.hold, s.held, s.cr = s.hold[:0], false, false
	s.resetEvent()
	return dst
}

// Body applies the watch to a whole JSON answer (application/json: one
// response or a batch array) instead of an SSE stream: tools/list
// responses are filtered and tools/call outcomes observed. It returns body
// itself when nothing changes, else the new body appended to dst.
func (s *Stream) Body(dst, body []byte) []byte {
	s.observed = s.observed[:0]
	out, changed := s.apply(body, true)
	if !changed {
		return body
	}
	return append(dst, out...)
}

// Observed returns the outcomes of the watched tools/call requests whose
// responses ended during the last Process or Body call, in order. The
// slice is reused by the next call.
func (s *Stream) Observed() []Observation { return s.observed }

// Err returns why an event was withheld without an answer (ErrEndpoint,
// ErrOversized), or nil. The stream may go on, but a client waiting for
// that event will not see it; the caller may end the stream.
func (s *Stream) Err() error { return s.err }

// AtBoundary reports whether the bytes returned so far end between events,
// so that an extra event (ErrorEvent) may be written to the client now. It
// is false when the Stream has let bytes pass without framing them (with
// nothing to watch, or before Reset); a Stream with a Tracker always frames.
func (s *Stream) AtBoundary() bool { return !s.blind && !s.inEvent }
