package mcp

// This file is a small validating JSON scanner: it finds values without
// decoding them, so inspecting a message costs one pass over its bytes and
// no allocation. It accepts exactly what encoding/json's Valid accepts
// (checked by FuzzInspect). Positions are indices into one buffer; -1
// means a syntax error or, for a prefix of a document, the end of the bytes.

// maxDepth is the deepest nesting accepted, the same as encoding/json's.
const maxDepth = 10000

// strPlain marks the bytes that may appear in a JSON string as they are.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipWS returns the index of the first non-whitespace byte at or after i.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the index just past the value starting at b[i], which
// is nested depth containers deep, or -1.
func skipValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{':
		return skipObject(b, i, depth+1)
	case c == '[':
		return skipArray(b, i, depth+1)
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	case c == '-' || isDigit(c):
		return skipNumber(b, i)
	}
	return -1
}

// skipString returns the index just past the string whose quote is b[i].
func skipString(b []byte, i int) int {
	i++
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || hex4(b[i+2:i+6]) < 0 {
					return -1
				}
				i += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
}

// hex4 returns the value of the four hex digits b[:4], or -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		v := hexVal(c)
		if v < 0 {
			return -1
		}
		r = r<<4 | rune(v)
	}
	return r
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipNumber returns the index just past the number starting at b[i].
func skipNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i+1 >= len(b) || !isDigit(b[i+1]) {
			return -1
		}
		i = skipDigits(b, i+1)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		i = skipDigits(b, i)
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

func skipLiteral(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

// skipArray returns the index just past the array whose '[' is b[i].
func skipArray(b []byte, i, depth int) int {
	if depth > maxDepth {
		return -1
	}
	e := elements{b: b, i: i + 1, depth: depth, end: -1}
	for e.next() {
	}
	return e.end
}

// skipObject returns the index just past the object whose '{' is b[i].
func skipObject(b []byte, i, depth int) int {
	if depth > maxDepth {
		return -1
	}
	m := members{b: b, i: i + 1, depth: depth, end: -1}
	for m.next() {
	}
	return m.end
}

// topValue returns the bounds of the single JSON value that is b, less
// surrounding whitespace, or start = -1 when b is not valid JSON.
func topValue(b []byte) (start, end int) {
	start = skipWS(b, 0)
	end = skipValue(b, start, 0)
	if end < 0 || skipWS(b, end) != len(b) {
		return -1, -1
	}
	return start, end
}

// members walks the members of one JSON object, validating as it goes.
// After next returns false, end is the index just past the object's '}',
// or -1 when the object is malformed or cut short; in that case i is just
// past the last whole member, where a walk of a longer prefix can resume.
type members struct {
	b        []byte
	i        int // where to read next
	depth    int // nesting depth of the object itself
	n        int // members read so far
	key      []byte
	valStart int
	valEnd   int
	end      int
}

// objectAt starts a walk of the object whose '{' is b[i], nested depth
// containers deep (1 for a top-level object).
func objectAt(b []byte, i, depth int) members {
	return members{b: b, i: i + 1, depth: depth, end: -1}
}

// next advances to the next member and reports whether there is one.
func (m *members) next() bool {
	b := m.b
	i := skipWS(b, m.i)
	if i >= len(b) {
		return false
	}
	if b[i] == '}' {
		m.end = i + 1
		return false
	}
	if m.n > 0 {
		if b[i] != ',' {
			return false
		}
		i = skipWS(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		return false
	}
	ke := skipString(b, i)
	if ke < 0 {
		return false
	}
	key := b[i+1 : ke-1]
	i = skipWS(b, ke)
	if i >= len(b) || b[i] != ':' {
		return false
	}
	i = skipWS(b, i+1)
	ve := skipValue(b, i, m.depth)
	if ve < 0 {
		return false
	}
	m.key, m.valStart, m.valEnd, m.i = key, i, ve, ve
	m.n++
	return true
}

// val returns the current member's value.
func (m *members) val() []byte { return m.b[m.valStart:m.valEnd] }

// elements walks the elements of one JSON array, validating as it goes.
// After next returns false, end is the index just past the array's ']', or
// -1 when the array is malformed.
type elements struct {
	b     []byte
	i     int // where to read next
	depth int // nesting depth of the array itself
	n     int // elements read so far
	start int // the current element's first byte
	pre   int // where the whitespace before the current element starts
	stop  int // just past the current element
	end   int
}

// arrayAt starts a walk of the array whose '[' is b[i], nested depth
// containers deep (1 for a top-level array).
func arrayAt(b []byte, i, depth int) elements {
	return elements{b: b, i: i + 1, depth: depth, end: -1}
}

// next advances to the next element and reports whether there is one.
func (e *elements) next() bool {
	b := e.b
	pre := e.i
	i := skipWS(b, pre)
	if i >= len(b) {
		return false
	}
	if b[i] == ']' {
		e.end = i + 1
		return false
	}
	if e.n > 0 {
		if b[i] != ',' {
			return false
		}
		pre = i + 1
		i = skipWS(b, pre)
	}
	ve := skipValue(b, i, e.depth)
	if ve < 0 {
		return false
	}
	e.pre, e.start, e.stop, e.i = pre, i, ve, ve
	e.n++
	return true
}

// val returns the current element.
func (e *elements) val() []byte { return e.b[e.start:e.stop] }
