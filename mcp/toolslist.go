package mcp

// FilterToolsList removes from msg, one JSON-RPC response to tools/list,
// the tools whose name allows refuses: the elements of result.tools whose
// "name" member is a string that allows returns false for (an element with
// two names is removed when either is refused; one without a string name
// stays). Everything else stays byte for byte: the other tools, their
// order, nextCursor, _meta and unknown members, whitespace. Keys match as
// encoding/json matches them (ignoring case), so a client decoding with it
// sees no tool the policy hides.
//
// When a tool is removed, out is the filtered message appended to dst and
// changed is true; otherwise out is msg itself and dst is untouched. A msg
// that is not valid JSON is returned unchanged. FilterToolsList does not
// allocate when dst has room; it is safe for concurrent use when allows is.
func FilterToolsList(dst, msg []byte, allows func(string) bool) (out []byte, changed bool) {
	start, _ := topValue(msg)
	if start < 0 || msg[start] != '{' {
		return msg, false
	}
	f := toolFilter{msg: msg, dst: dst, allows: allows}
	m := objectAt(msg, start, 1)
	for m.next() {
		if keyIs(m.key, "result") && msg[m.valStart] == '{' {
			f.result(m.valStart)
		}
	}
	if !f.changed {
		return msg, false
	}
	return append(f.dst, msg[f.emitted:]...), true
}

// toolFilter builds FilterToolsList's output. msg[:emitted] has been
// written to dst, changed or not; nothing is written until the first tool
// is removed.
type toolFilter struct {
	msg     []byte
	dst     []byte
	emitted int
	changed bool
	allows  func(string) bool
}

// result filters every "tools" array of the result object at msg[i].
func (f *toolFilter) result(i int) {
	m := objectAt(f.msg, i, 2)
	for m.next() {
		if keyIs(m.key, "tools") && f.msg[m.valStart] == '[' {
			f.tools(m.valStart)
		}
	}
}

// tools filters the array of tools whose '[' is msg[i]. Once an element
// is removed the array is rebuilt: each kept element with the whitespace
// before it, commas between, and the original whitespace before ']'.
func (f *toolFilter) tools(i int) {
	e := arrayAt(f.msg, i, 3)
	rewriting, kept, last := false, 0, i+1
	for e.next() {
		last = e.stop
		keep := f.keep(e.start)
		if !rewriting {
			if keep {
				kept++
				continue
			}
			f.dst = append(f.dst, f.msg[f.emitted:f.keptEnd(i, e.pre, kept)]...)
			rewriting, f.changed = true, true
			continue
		}
		if keep {
			if kept > 0 {
				f.dst = append(f.dst, ',')
			}
			f.dst = append(f.dst, f.msg[e.pre:e.stop]...)
			kept++
		}
	}
	if rewriting {
		f.emitted = last // the whitespace and ']' after the last element follow
	}
}

// keptEnd returns where the unchanged head of the array whose '[' is
// msg[open] ends when the first removed element's whitespace starts at
// pre: just after '[' when nothing is kept, else before the comma that
// precedes the removed element.
func (f *toolFilter) keptEnd(open, pre, kept int) int {
	if kept == 0 {
		return open + 1
	}
	return pre - 1
}

// keep reports whether the tool object at msg[i] stays.
func (f *toolFilter) keep(i int) bool {
	if f.msg[i] != '{' {
		return true
	}
	m := objectAt(f.msg, i, 4)
	for m.next() {
		if keyIs(m.key, "name") && f.msg[m.valStart] == '"' && !f.allows(str(m.val())) {
			return false
		}
	}
	return true
}
