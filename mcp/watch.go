package mcp

// verdict is what peek concludes about an event held while a policy is
// set: whether it may be a tools/list response to filter.
type verdict uint8

const (
	verdictUndecided verdict = iota // not yet known: hold on
	verdictPass                     // not a tools/list response: a request or notification, or a response without result.tools
	verdictMatched                  // a response whose result has a "tools" array: filter it
)

// peek reads as much of the current event's data as has arrived and says
// whether it may be a tools/list response, whatever its id: a response is
// recognised by its content (a "tools" array in its "result"), not by the
// request it answers, since a stream may carry responses to requests the
// gateway never saw (a replayed stream, a resumed 2025-11-25 session, a
// 2024-11-05 POST it could not tie to its session). A "method" member, or
// the end of the object, shows the message is something else. peek resumes
// after the last whole member it read, at the top level and within
// "result", so a long event costs one pass; a number at the very end of the
// data may still go on, so it waits for the byte after it. The "id" seen
// is kept in matchID, to answer a response too large to filter.
func (s *Stream) peek() verdict {
	d := s.data
	if !s.peeking {
		i := skipWS(d, 0)
		switch {
		case i >= len(d):
			return verdictUndecided
		case d[i] == '[': // a batch of responses: hold it whole
			return verdictUndecided
		case d[i] != '{':
			return verdictPass
		}
		s.peeking, s.peekAt = true, i+1
	}
	m := members{b: d, i: s.peekAt, depth: 1, n: s.peekN, end: -1}
	for m.next() {
		if m.valEnd == len(d) && isDigit(d[m.valEnd-1]) { // the number may go on
			return verdictUndecided
		}
		s.peekAt, s.peekN = m.i, m.n
		switch {
		case keyIs(m.key, "method"):
			return verdictPass
		case keyIs(m.key, "id"):
			s.matchID = append(s.matchID[:0], m.val()...)
		case keyIs(m.key, "result") && d[m.valStart] == '{' && s.resultTools(d, m.valStart):
			return verdictMatched
		}
	}
	if m.end >= 0 {
		return verdictPass
	}
	key, v, ok := memberHead(d, m.i, m.n)
	switch {
	case !ok:
	case keyIs(key, "method"):
		return verdictPass
	case keyIs(key, "result") && v < len(d) && d[v] == '{' && s.resultTools(d, v):
		return verdictMatched
	}
	return verdictUndecided
}

// resultTools reports whether the result object whose '{' is d[start] has
// a "tools" member whose value is an array, as far as d goes: a whole
// member, or the start of one. It resumes where its last call on the same
// object stopped.
func (s *Stream) resultTools(d []byte, start int) bool {
	if s.resStart != start {
		s.resStart, s.resAt, s.resN = start, start+1, 0
	}
	m := members{b: d, i: s.resAt, depth: 2, n: s.resN, end: -1}
	for m.next() {
		s.resAt, s.resN = m.i, m.n
		if keyIs(m.key, "tools") && d[m.valStart] == '[' {
			return true
		}
	}
	if m.end >= 0 {
		return false
	}
	key, v, ok := memberHead(d, m.i, m.n)
	return ok && keyIs(key, "tools") && v < len(d) && d[v] == '['
}

// memberHead reads the start of the member of an object that follows
// b[i], after n members: its key (raw, without quotes) and where its value
// starts (len(b) when it has not yet), once the key and colon have arrived.
func memberHead(b []byte, i, n int) (key []byte, val int, ok bool) {
	i = skipWS(b, i)
	if n > 0 {
		if i >= len(b) || b[i] != ',' {
			return nil, 0, false
		}
		i = skipWS(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	ke := skipString(b, i)
	if ke < 0 {
		return nil, 0, false
	}
	j := skipWS(b, ke)
	if j >= len(b) || b[j] != ':' {
		return nil, 0, false
	}
	return b[i+1 : ke-1], skipWS(b, j+1), true
}

// take finds the watched request whose id is id and stops watching it.
func (s *Stream) take(id []byte) (watch, bool) {
	for i := range s.watches {
		w := &s.watches[i]
		if !w.done && sameID(s.ids[w.from:w.to], id) {
			w.done = true
			if w.list {
				s.lists--
			} else {
				s.calls--
			}
			return *w, true
		}
	}
	if s.tracker != nil {
		if t, ok := s.tracker.find(id, true); ok && t.kind != trackedOther {
			return watch{ref: t.ref, list: t.kind == trackedList}, true
		}
	}
	return watch{}, false
}

// apply handles the messages in data, one or a batch array: with filter
// set and a policy, every response whose result has a "tools" array is
// filtered, whatever request it answers; the outcome of a response to a
// watched tools/call is observed. It returns the new data, in
// s.scratch, and whether it changed.
func (s *Stream) apply(data []byte, filter bool) ([]byte, bool) {
	if start := skipWS(data, 0); start < len(data) && data[start] == '{' {
		// One message, the rule: validated by outcome's own walk, not twice.
		out, changed := s.applyOne(s.scratch[:0], data, start, filter)
		if changed {
			s.scratch = out
		}
		return out, changed
	}
	start, _ := topValue(data)
	if start < 0 || data[start] != '[' {
		return data, false
	}
	out, prev, changed := s.scratch[:0], 0, false
	e := arrayAt(data, start, 1)
	for e.next() {
		out = append(out, data[prev:e.start]...)
		elem := data[e.start:e.stop]
		if r, ch := s.applyOne(out, elem, 0, filter); ch {
			out, changed = r, true
		} else {
			out = append(out, elem...)
		}
		prev = e.stop
	}
	s.scratch = append(out, data[prev:]...)
	if !changed {
		return data, false
	}
	return s.scratch, true
}

// applyOne handles the one message msg, whose value starts at msg[start]
// after nothing but whitespace; a filtered message is appended to dst.
func (s *Stream) applyOne(dst, msg []byte, start int, filter bool) ([]byte, bool) {
	id, o, end := outcome(msg, start, 1)
	if o == NoResult || skipWS(msg, end) != len(msg) {
		return msg, false
	}
	if w, ok := s.take(id); ok && !w.list {
		s.observed = append(s.observed, Observation{Ref: w.ref, Outcome: o})
	}
	if filter && s.policy != nil {
		return FilterToolsList(dst, msg, s.policy.Allows)
	}
	return msg, false
}

// observePassed observes the outcome of the event that just passed.
func (s *Stream) observePassed() {
	switch {
	case !s.collect || s.dataLines == 0:
	case s.big:
		s.observeBig()
	default:
		s.apply(s.data, false)
	}
}

// observeBig reports a watched tools/call whose response was too large to
// read whole as Unread, when its id is within the data kept.
func (s *Stream) observeBig() {
	d := s.data
	i := skipWS(d, 0)
	if i >= len(d) || d[i] != '{' {
		return
	}
	m := objectAt(d, i, 1)
	for m.next() {
		switch {
		case keyIs(m.key, "method"):
			return
		case keyIs(m.key, "id"):
			if w, ok := s.take(m.val()); ok && !w.list {
				s.observed = append(s.observed, Observation{Ref: w.ref, Outcome: Unread})
			}
			return
		}
	}
}
