package usage

import "bytes"

// scan runs the SSE framing over p: it splits lines, collects each event's
// data and type, and dispatches the event at its blank line. In strip mode
// o receives the event boundaries; in pass-through mode o is nil.
func (s *Stream) scan(p []byte, o *output) {
	for i := 0; i < len(p); {
		if s.cr {
			s.cr = false
			if p[i] == '\n' { // the second half of a CRLF
				i++
				if s.inEvent {
					s.grow(1)
				} else if o != nil {
					o.between(i, s.dropLF)
				}
				continue
			}
		}
		s.dropLF = false
		s.inEvent = true
		j := lineEnd(p[i:])
		if j < 0 {
			s.text(p[i:])
			return
		}
		s.text(p[i : i+j])
		s.grow(1)
		s.cr = p[i+j] == '\r'
		i += j + 1
		if s.endLine() {
			a := s.dispatch()
			if o != nil {
				s.endEvent(o, i, a)
			}
		}
	}
}

// lineEnd returns the index of the first CR or LF in b, or -1.
func lineEnd(b []byte) int {
	n := bytes.IndexByte(b, '\n')
	m := n
	if m < 0 {
		m = len(b)
	}
	if r := bytes.IndexByte(b[:m], '\r'); r >= 0 {
		return r
	}
	return n
}

// grow counts n more bytes of the current event and marks it big when it
// exceeds MaxEvent, dropping its data.
func (s *Stream) grow(n int) {
	s.size += n
	if s.size > MaxEvent && !s.big {
		s.big, s.data = true, s.data[:0]
	}
}

// text consumes b, a piece of the current line without terminator.
func (s *Stream) text(b []byte) {
	if len(b) == 0 {
		return
	}
	s.grow(len(b))
	s.lineLen += len(b)
	if s.field == fieldName {
		k := 0
		for ; k < len(b) && s.field == fieldName; k++ {
			switch {
			case b[k] == ':':
				s.setField()
				s.space = true
			case s.nameLen == len(s.name): // longer than any field we read
				s.field = fieldOther
			default:
				s.name[s.nameLen] = b[k]
				s.nameLen++
			}
		}
		b = b[k:]
	}
	if s.space && len(b) > 0 {
		s.space = false
		if b[0] == ' ' {
			b = b[1:]
		}
	}
	switch s.field {
	case fieldData:
		if !s.big {
			s.data = append(s.data, b...)
		}
	case fieldEvent:
		if s.etypeLen >= 0 && s.etypeLen+len(b) <= len(s.etype) {
			s.etypeLen += copy(s.etype[s.etypeLen:], b)
		} else {
			s.etypeLen = -1
		}
	}
}

// setField classifies the line by its complete field name.
func (s *Stream) setField() {
	switch string(s.name[:s.nameLen]) {
	case "data":
		s.field = fieldData
		if s.dataLines > 0 && !s.big {
			s.data = append(s.data, '\n')
		}
		s.dataLines++
	case "event":
		s.field, s.etypeLen = fieldEvent, 0
	default:
		s.field = fieldOther
	}
}

// endLine ends the current line and reports whether it was blank, which
// ends the event.
func (s *Stream) endLine() (blank bool) {
	if s.lineLen == 0 {
		return true
	}
	if s.field == fieldName { // no colon: the whole line names the field
		s.setField()
	}
	s.lineLen, s.field, s.nameLen, s.space = 0, fieldName, 0, false
	return false
}

// dispatch ends the current event: it observes the event's data and resets
// the event state. The returned action says what strip mode changes.
func (s *Stream) dispatch() (a action) {
	if s.big {
		s.res.Oversized = true
	} else if s.dataLines > 0 {
		if s.etypeLen == len("error") && string(s.etype[:s.etypeLen]) == "error" {
			s.res.Errored = true
		}
		a = s.observe(s.data)
	}
	s.inEvent, s.size, s.big, s.dataLines, s.data, s.etypeLen = false, 0, false, 0, s.data[:0], 0
	s.lineLen, s.field, s.nameLen, s.space = 0, fieldName, 0, false
	return a
}
