package mcp

// verdict is what peek concludes about an event held while a tools/list
// response is awaited.
type verdict uint8

const (
	verdictUndecided verdict = iota // not yet known: hold on
	verdictPass                     // not a watched tools/list response
	verdictMatched                  // the response to a watched tools/list (matchID)
)

// peek reads as much of the current event's data as has arrived and says
// whether it answers a watched tools/list: its top-level "id", or a
// "method" (a request or notification), decides. It resumes after the last
// whole member it read, so a long event costs one pass; a number at the
// very end of the data may still go on, so it waits for the byte after it.
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
			if !s.listWatched(m.val()) {
				return verdictPass
			}
			s.matchID = append(s.matchID[:0], m.val()...)
			return verdictMatched
		}
	}
	if m.end >= 0 {
		return verdictPass
	}
	return verdictUndecided
}

// listWatched reports whether id is that of a watched tools/list request.
func (s *Stream) listWatched(id []byte) bool {
	for i := range s.watches {
		w := &s.watches[i]
		if w.list && !w.done && sameID(s.ids[w.from:w.to], id) {
			return true
		}
	}
	if s.policy == nil || s.tracker == nil {
		return false
	}
	t, ok := s.tracker.find(id, false)
	return ok && t.list
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
		if t, ok := s.tracker.find(id, true); ok {
			return watch{ref: t.ref, list: t.list}, true
		}
	}
	return watch{}, false
}

// apply handles the messages in data, one or a batch array: a response to
// a watched tools/list is filtered when filter is set, the outcome of a
// response to a watched tools/call is observed. It returns the new data, in
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
	w, ok := s.take(id)
	switch {
	case !ok:
		return msg, false
	case !w.list:
		s.observed = append(s.observed, Observation{Ref: w.ref, Outcome: o})
		return msg, false
	case filter && s.policy != nil:
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
