package usage

// output builds what one Process call returns in strip mode. While nothing
// has been removed or held back from before p, the output is p[:emitted]
// and nothing is copied; the first change copies that prefix to dst.
type output struct {
	p       []byte
	dst     []byte
	emitted int  // p[:emitted] is accounted for (sent or removed)
	copied  bool // the output is dst, not p[:emitted]
}

// pass sends p[emitted:end] as it is.
func (o *output) pass(end int) {
	if o.copied {
		o.dst = append(o.dst, o.p[o.emitted:end]...)
	}
	o.emitted = end
}

// toDst switches the output to dst.
func (o *output) toDst() {
	if !o.copied {
		o.dst, o.copied = append(o.dst, o.p[:o.emitted]...), true
	}
}

// between sends, or when drop removes, the LF at p[end-1] that completes
// the CRLF which ended the previous event.
func (o *output) between(end int, drop bool) {
	if drop {
		o.toDst()
		o.emitted = end
		return
	}
	o.pass(end)
}

// endEvent sends the event that ends at p[end-1], changed as a says. Only
// a changed event is gathered whole (in hold when it began in an earlier
// call); an unchanged one goes out as held bytes plus p, uncopied.
func (s *Stream) endEvent(o *output, end int, a action) {
	if a.drop || a.cutTo > a.cutFrom {
		raw := o.p[o.emitted:end]
		if s.held {
			s.hold = append(s.hold, raw...)
			raw = s.hold
		}
		o.toDst()
		n := len(o.dst)
		o.dst = rewrite(o.dst, raw, a)
		s.dropLF = len(o.dst) == n && raw[len(raw)-1] == '\r'
		o.emitted = end
	} else {
		if s.held {
			o.toDst()
			o.dst = append(o.dst, s.hold...)
		}
		o.pass(end)
	}
	s.hold, s.held = s.hold[:0], false
}

// finishChunk ends a Process call: the bytes of an unfinished event are held
// back, unless the event is too big to hold, which then passes as it is.
func (s *Stream) finishChunk(o *output) {
	if o.emitted == len(o.p) {
		return
	}
	if s.big {
		if s.held {
			o.toDst()
			o.dst = append(o.dst, s.hold...)
			s.hold, s.held = s.hold[:0], false
		}
		o.pass(len(o.p))
		return
	}
	s.hold, s.held = append(s.hold, o.p[o.emitted:]...), true
}

// rewrite appends raw, one whole event ending in its blank line, changed as
// a says.
func rewrite(dst, raw []byte, a action) []byte {
	if a.drop {
		return dropData(dst, raw)
	}
	return cutData(dst, raw, a.cutFrom, a.cutTo)
}

// dropData appends raw without its data and event lines. Other lines
// (comments, id, retry) stay, and so does the blank line when any of them
// does; an event of data lines alone disappears entirely.
func dropData(dst, raw []byte) []byte {
	kept := false
	for i := 0; i < len(raw); {
		line, next := splitLine(raw, i)
		switch {
		case len(line) == 0:
			if kept {
				dst = append(dst, raw[i:next]...)
			}
		case isField(line, "data"), isField(line, "event"):
		default:
			dst = append(dst, raw[i:next]...)
			kept = true
		}
		i = next
	}
	return dst
}

// cutData appends raw without data[from:to], where data is the event's data
// lines joined with LF; when the cut spans more than one data line raw is
// appended unchanged.
func cutData(dst, raw []byte, from, to int) []byte {
	off := 0 // where the current data line's value starts in data
	for i := 0; i < len(raw); {
		line, next := splitLine(raw, i)
		if v, ok := dataValue(line); ok {
			if from >= off && to <= off+len(v) {
				vs := i + len(line) - len(v)
				dst = append(dst, raw[:vs+from-off]...)
				return append(dst, raw[vs+to-off:]...)
			}
			off += len(v) + 1
		}
		i = next
	}
	return append(dst, raw...)
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

// dataValue returns the value of a data line, less the one optional
// leading space.
func dataValue(line []byte) ([]byte, bool) {
	if !isField(line, "data") {
		return nil, false
	}
	v := line[len("data"):]
	if len(v) > 0 {
		v = v[1:] // the colon
	}
	if len(v) > 0 && v[0] == ' ' {
		v = v[1:]
	}
	return v, true
}
