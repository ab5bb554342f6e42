package gateway

// maxNameLen bounds an upstream name; longer first segments are not routes.
const maxNameLen = 64

// parseRoute splits a raw request URI of the form /{upstream}/{rest}?{query}
// into the upstream name and the remainder, which is empty or starts with
// '/' or '?'. It reports false when the URI does not start with '/' or the
// name is not valid (see validName). Both results alias uri.
func parseRoute(uri []byte) (name, rest []byte, ok bool) {
	if len(uri) < 2 || uri[0] != '/' {
		return nil, nil, false
	}
	end := len(uri)
	for i := 1; i < len(uri); i++ {
		if c := uri[i]; c == '/' || c == '?' {
			end = i
			break
		}
	}
	name, rest = uri[1:end], uri[end:]
	if !validName(name) {
		return nil, nil, false
	}
	return name, rest, true
}

// validName reports whether b may name an upstream: 1 to 64 characters of
// [A-Za-z0-9._-], not starting with a dot (so "." and ".." never route).
func validName(b []byte) bool {
	if len(b) == 0 || len(b) > maxNameLen || b[0] == '.' {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// cleanRest reports whether the path part of rest (up to '?') has no "." or
// ".." segment, literal or percent-encoded, so a request cannot climb out of
// the upstream's base path. Segments are split at '/' and also at what an
// upstream might decode into a separator: '\\', %2F and %5C.
func cleanRest(rest []byte) bool {
	seg, i := 0, 0
	for i < len(rest) && rest[i] != '?' {
		n := separatorLen(rest[i:])
		if n == 0 {
			i++
			continue
		}
		if dotSegment(rest[seg:i]) {
			return false
		}
		i += n
		seg = i
	}
	return !dotSegment(rest[seg:i])
}

// separatorLen returns the length of the path separator that b starts
// with, or 0.
func separatorLen(b []byte) int {
	switch {
	case b[0] == '/' || b[0] == '\\':
		return 1
	case len(b) >= 3 && b[0] == '%' && ((b[1] == '2' && b[2]|0x20 == 'f') || (b[1] == '5' && b[2]|0x20 == 'c')):
		return 3
	}
	return 0
}

// dotSegment reports whether seg is "." or "..", with any dot written as %2e.
func dotSegment(seg []byte) bool {
	dots := 0
	for i := 0; i < len(seg); {
		switch {
		case seg[i] == '.':
			i++
		case i+2 < len(seg) && seg[i] == '%' && seg[i+1] == '2' && (seg[i+2] == 'e' || seg[i+2] == 'E'):
			i += 3
		default:
			return false
		}
		dots++
	}
	return dots == 1 || dots == 2
}
