package mcp

import "bytes"

// fieldKind is the kind of the current line's field.
type fieldKind uint8

const (
	fieldName  fieldKind = iota // still reading the field name
	fieldData                   // "data"
	fieldEvent                  // "event"
	fieldOther                  // comments, "id", "retry" and unknown fields
)

// scan runs the SSE framing over o.p: it splits lines, collects each
// event's data and type, and handles each event as it starts and ends.
func (s *Stream) scan(o *output) {
	p := o.p
	for i := 0; i < len(p); {
		if s.cr {
			s.cr = false
			if p[i] == '\n' { // the second half of a CRLF
				i++
				if s.inEvent {
					s.grow(1)
				}
				continue
			}
		}
		if !s.inEvent {
			s.startEvent(o, i)
		}
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
			s.endEvent(o, i)
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

// grow counts n more bytes of the current event.
func (s *Stream) grow(n int) {
	s.size += n
	if s.size > MaxEvent {
		s.big = true
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
		s.addData(b)
	case fieldEvent:
		if s.etypeLen >= 0 && s.etypeLen+len(b) <= len(s.etype) {
			s.etypeLen += copy(s.etype[s.etypeLen:], b)
		} else {
			s.etypeLen = -1
		}
	}
}

// addData gathers b into the event's data, up to MaxEvent bytes.
func (s *Stream) addData(b []byte) {
	if !s.collect {
		return
	}
	if room := MaxEvent - len(s.data); len(b) > room {
		b = b[:room]
	}
	s.data = append(s.data, b...)
}

// setField classifies the line by its complete field name.
func (s *Stream) setField() {
	switch string(s.name[:s.nameLen]) {
	case "data":
		s.field = fieldData
		if s.dataLines > 0 {
			s.addData(lf)
		}
		s.dataLines++
	case "event":
		s.field, s.etypeLen = fieldEvent, 0
	default:
		s.field = fieldOther
	}
}

var lf = []byte{'\n'}

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

// etypeIs reports whether the event's type is t.
func (s *Stream) etypeIs(t string) bool {
	return s.etypeLen == len(t) && string(s.etype[:s.etypeLen]) == t
}

// resetEvent forgets the current event.
func (s *Stream) resetEvent() {
	s.inEvent, s.mode, s.collect, s.size, s.big, s.dataLines, s.data, s.etypeLen = false, modePass, false, 0, false, 0, s.data[:0], 0
	s.peeking, s.peekAt, s.peekN, s.resStart, s.resAt, s.resN, s.matchID = false, 0, 0, 0, 0, 0, s.matchID[:0]
	s.lineLen, s.field, s.nameLen, s.space = 0, fieldName, 0, false
}
