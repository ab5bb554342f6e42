package mcp

import "fmt"

// output builds what one Process call returns. While nothing has been held
// back from before p or changed, the output is p[:emitted] and nothing is
// copied; the first change copies that prefix to dst.
type output struct {
	p       []byte
	dst     []byte
	emitted int  // p[:emitted] is accounted for (sent or withheld)
	copied  bool // the output is dst, not p[:emitted]
}

// pass sends p[emitted:end] as it is.
func (o *output) pass(end int) {
	if o.copied {
		o.dst = append(o.dst, o.p[o.emitted:end]...)
	}
	o.emitted = end
}

// skip withholds p[emitted:end].
func (o *output) skip(end int) {
	o.toDst()
	o.emitted = end
}

// toDst switches the output to dst.
func (o *output) toDst() {
	if !o.copied {
		o.dst, o.copied = append(o.dst, o.p[:o.emitted]...), true
	}
}

func (o *output) result() []byte {
	if o.copied {
		return o.dst
	}
	return o.p[:o.emitted]
}

// startEvent begins an event at p[i]: it chooses what happens to its
// bytes. Everything before a held event is sent first.
func (s *Stream) startEvent(o *output, i int) {
	s.inEvent = true
	switch {
	case s.endpointDue:
		s.mode = modeHold
	case s.policy != nil:
		s.mode = modeUndecided
	default:
		s.mode = modePass
	}
	s.collect = s.mode != modePass || s.calls > 0 || s.tracker != nil
	if s.mode != modePass {
		o.pass(i)
	}
}

// endEvent handles the event that ends at p[end-1].
func (s *Stream) endEvent(o *output, end int) {
	if s.big && s.mode != modePass && s.mode != modeDrop {
		s.resolveBig(o)
	}
	switch s.mode {
	case modePass:
		s.observePassed()
	case modeDrop:
		o.skip(end)
		s.answerDropped(o)
	default:
		s.endHeld(o, end)
	}
	if s.dataLines > 0 {
		s.endpointDue = false
	}
	s.resetEvent()
}

// endHeld sends the held event that ends at p[end-1], rewritten when it
// must be. Only a rewritten event is gathered whole; an unchanged one goes
// out as held bytes plus p, uncopied when nothing was held.
func (s *Stream) endHeld(o *output, end int) {
	raw := o.p[o.emitted:end]
	if s.held {
		s.hold = append(s.hold, raw...)
		raw = s.hold
	}
	data, changed, drop := s.transform()
	switch {
	case drop:
		o.skip(end)
	case changed:
		o.toDst()
		o.dst = replaceData(o.dst, raw, data)
		o.emitted = end
	case s.held:
		o.toDst()
		o.dst = append(o.dst, raw...)
		o.emitted = end
	default:
		o.pass(end)
	}
	s.hold, s.held = s.hold[:0], false
}

// transform returns the new data of the held event that just ended, or
// changed false, or drop when it must be withheld.
func (s *Stream) transform() (data []byte, changed, drop bool) {
	if s.dataLines == 0 {
		return nil, false, false
	}
	if s.endpointDue && s.etypeIs("endpoint") {
		out, err := s.endpoint.Rewrite(s.scratch[:0], s.data)
		if err != nil {
			s.err = err
			return nil, false, true
		}
		s.scratch = out
		return out, true, false
	}
	data, changed = s.apply(s.data, true)
	return data, changed, false
}

// finishChunk ends a Process call: the bytes of an unfinished held event
// are kept in hold, unless the event has shown it need not be held.
func (s *Stream) finishChunk(o *output) {
	if s.inEvent && s.mode != modePass && s.mode != modeDrop {
		switch {
		case s.big:
			s.resolveBig(o)
		case s.mode == modeUndecided:
			s.decide(o)
		}
	}
	switch {
	case !s.inEvent || s.mode == modePass:
		o.pass(len(o.p))
	case s.mode == modeDrop:
		o.skip(len(o.p))
	default:
		s.hold, s.held = append(s.hold, o.p[o.emitted:]...), true
	}
}

// decide applies peek's verdict on an undecided event.
func (s *Stream) decide(o *output) {
	switch s.peek() {
	case verdictPass:
		s.release(o)
	case verdictMatched:
		s.mode = modeMatched
	}
}

// release sends what is held of the current event and lets the rest pass.
func (s *Stream) release(o *output) {
	if s.held {
		o.toDst()
		o.dst = append(o.dst, s.hold...)
	}
	s.hold, s.held, s.mode = s.hold[:0], false, modePass
}

// drop withholds the current event, and what is held of it.
func (s *Stream) drop() {
	s.hold, s.held, s.mode = s.hold[:0], false, modeDrop
}

// resolveBig decides about a held event that outgrew MaxEvent.
func (s *Stream) resolveBig(o *output) {
	if s.mode == modeHold {
		if s.endpointDue && s.etypeIs("endpoint") {
			s.err = fmt.Errorf("%w: endpoint event over %d bytes", ErrOversized, MaxEvent)
			s.drop()
			return
		}
		if s.policy == nil {
			s.release(o)
			return
		}
		s.mode = modeUndecided
	}
	if s.mode == modeUndecided && s.peek() != verdictMatched {
		if i := skipWS(s.data, 0); i < len(s.data) && s.data[i] == '[' {
			s.err = fmt.Errorf("%w: a batch over %d bytes that may hold a tools/list response", ErrOversized, MaxEvent)
			s.drop()
			return
		}
		s.release(o) // no result.tools within MaxEvent bytes
		return
	}
	s.take(s.matchID) // answered, by answerDropped
	s.drop()
}

// answerDropped sends, in place of a tools/list response too large to
// filter, a JSON-RPC error response for its id.
func (s *Stream) answerDropped(o *output) {
	if len(s.matchID) == 0 {
		return
	}
	o.toDst()
	o.dst = append(o.dst, "event: message\ndata: "...)
	o.dst = ErrorResponse(o.dst, s.matchID, CodeInternal, "tools/list response over MaxEvent (4 MiB): the gateway cannot filter it")
	o.dst = append(o.dst, "\n\n"...)
	s.matchID = s.matchID[:0]
}

// replaceData appends raw, one whole event ending in its blank line, with
// its data lines replaced by data: the first data line gets data (one line
// per line of data, with the first line's "data:" or "data: " prefix and
// its terminator), the other data lines go. Other lines stay byte for byte.
func replaceData(dst, raw, data []byte) []byte {
	first := true
	for i := 0; i < len(raw); {
		line, next := splitLine(raw, i)
		if !isField(line, "data") {
			dst = append(dst, raw[i:next]...)
		} else if first {
			first = false
			prefix := line[:len(line)-len(dataValue(line))]
			if len(prefix) == len("data") {
				prefix = []byte("data:")
			}
			term := raw[i+len(line) : next]
			for {
				j := indexLF(data)
				dst = append(dst, prefix...)
				dst = append(dst, data[:j]...)
				dst = append(dst, term...)
				if j == len(data) {
					break
				}
				data = data[j+1:]
			}
		}
		i = next
	}
	return dst
}

// indexLF returns the index of the first LF in b, or len(b).
func indexLF(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return len(b)
}

// splitLine returns the line starting at raw[i], without its terminator,
// and the index after the terminator (LF, CRLF or CR).
func splitLine(raw []byte, i int) (line []byte, next int) {
	j := lineEnd(raw[i:])
	if j < 0 {
		return raw[i:], len(raw)
	}
	e := i + j
	next = e + 1
	if raw[e] == '\r' && next < len(raw) && raw[next] == '\n' {
		next++
	}
	return raw[i:e], next
}

// isField reports whether line is a field named name.
func isField(line []byte, name string) bool {
	n := len(name)
	return len(line) >= n && string(line[:n]) == name && (len(line) == n || line[n] == ':')
}

// dataValue returns the value of a data line, less the colon and the one
// optional leading space.
func dataValue(line []byte) []byte {
	v := line[len("data"):]
	if len(v) > 0 {
		v = v[1:] // the colon
	}
	if len(v) > 0 && v[0] == ' ' {
		v = v[1:]
	}
	return v
}
