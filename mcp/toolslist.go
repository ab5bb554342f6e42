package mcp

// FilterToolsList removes from msg, one JSON-RPC response to tools/list,
// the tools whose name allows refuses: the elements of result.tools whose
// "name" member is a string that allows returns false for (an element with
// two names is removed when either is refused; one without a string name
// stays). Everything else stays byte for byte: the other tools, their
// order, nextCursor, _meta and unknown members, whitespace; except that a
// filtered result's "cacheScope":"public" (2026-07-28 cache hints) becomes
// "private", since the list now depends on the caller. Keys match as
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
	f := toolFilter{msg: msg, dst: dst}
	m := objectAt(msg, start, 1)
	for m.next() {
		if keyIs(m.key, "result") && msg[m.valStart] == '{' {
			f.result(m.valStart, allows)
		}
	}
	if !f.changed {
		return msg, false
	}
	f.copyTo(len(msg))
	return f.dst, true
}

// toolFilter builds FilterToolsList's output. msg[:emitted] has been
// written to dst, changed or not; nothing is written until the first tool
// is removed. allows is passed to its methods rather than kept in it, so
// that a method value passed as allows does not escape to the heap.
type toolFilter struct {
	msg     []byte
	dst     []byte
	emitted int
	changed bool
	scope   [2]int // a "public" cacheScope value seen before any change, to make private if one comes
}

// copyTo writes msg[emitted:end], with a pending cacheScope made private.
func (f *toolFilter) copyTo(end int) {
	if s := f.scope; s[1] > f.emitted && s[1] <= end {
		f.dst = append(f.dst, f.msg[f.emitted:s[0]]...)
		f.dst = append(f.dst, `"private"`...)
		f.emitted, f.scope = s[1], [2]int{}
	}
	f.dst = append(f.dst, f.msg[f.emitted:end]...)
	f.emitted = end
}

// result filters every "tools" array of the result object at msg[i].
// A filtered result differs between callers, so its 2026-07-28 cache hint
// "cacheScope":"public" becomes "private".
func (f *toolFilter) result(i int, allows func(string) bool) {
	m := objectAt(f.msg, i, 2)
	for m.next() {
		switch {
		case keyIs(m.key, "tools") && f.msg[m.valStart] == '[':
			f.tools(m.valStart, allows)
		case keyIs(m.key, "cacheScope") && string(m.val()) == `"public"`:
			f.scope = [2]int{m.valStart, m.valEnd}
			if f.changed {
				f.copyTo(m.valEnd)
			}
		}
	}
}

// tools filters the array of tools whose '[' is msg[i]. Once a tool is
// removed the rest of the array is rebuilt: a removed element goes with the
// separator before it (the first element, with the one after it), every
// other byte stays.
func (f *toolFilter) tools(i int, allows func(string) bool) {
	e := arrayAt(f.msg, i, 3)
	rewriting, kept := false, 0
	prev, lastKept := i+1, i+1 // the end of the previous and of the last kept element
	for e.next() {
		keep := keepTool(f.msg, e.start, allows)
		switch {
		case !rewriting && keep:
			lastKept = e.stop
			kept++
		case !rewriting:
			f.copyTo(lastKept)
			rewriting, f.changed = true, true
		case keep && kept == 0:
			f.dst = append(f.dst, f.msg[e.pre:e.stop]...)
			kept++
		case keep:
			f.dst = append(f.dst, f.msg[prev:e.stop]...)
			kept++
		}
		prev = e.stop
	}
	if rewriting {
		f.emitted = prev // the whitespace and ']' after the last element follow
	}
}

// keepTool reports whether the tool at msg[i] stays: it is not an object
// with a string "name" that allows refuses.
func keepTool(msg []byte, i int, allows func(string) bool) bool {
	if msg[i] != '{' {
		return true
	}
	m := objectAt(msg, i, 4)
	for m.next() {
		if keyIs(m.key, "name") && msg[m.valStart] == '"' && !allows(str(m.val())) {
			return false
		}
	}
	return true
}
