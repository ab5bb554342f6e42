package mcp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxGlob is the longest policy pattern accepted, in bytes.
const MaxGlob = 256

// checkGlob validates a tool-name pattern: '*' matches any run of
// characters (also none), '?' exactly one character, every other character
// itself. '[', ']' and '\' are refused rather than taken literally, so that
// a pattern never means one thing here and another to path.Match.
func checkGlob(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: empty pattern", ErrBadGlob)
	case len(p) > MaxGlob:
		return fmt.Errorf("%w %.32q…: longer than %d bytes", ErrBadGlob, p, MaxGlob)
	case !utf8.ValidString(p):
		return fmt.Errorf("%w %q: not valid UTF-8", ErrBadGlob, p)
	}
	if i := strings.IndexAny(p, "[]\\"); i >= 0 {
		return fmt.Errorf("%w %q: %q is reserved (only * and ? are special)", ErrBadGlob, p, p[i])
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w %q: control character", ErrBadGlob, p)
		}
	}
	return nil
}

// globMatch reports whether the name matches the valid pattern p. It runs
// in O(len(p)·len(name)) at worst, never exponentially, and does not
// allocate.
func globMatch(p, name string) bool {
	px, nx := 0, 0
	starPx, starNx := -1, 0 // where to resume after the last '*'
	for px < len(p) || nx < len(name) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starPx, starNx = px, nx
				px++
				continue
			case '?':
				if nx < len(name) {
					_, n := utf8.DecodeRuneInString(name[nx:])
					px, nx = px+1, nx+n
					continue
				}
			default:
				if nx < len(name) && name[nx] == c {
					px, nx = px+1, nx+1
					continue
				}
			}
		}
		if starPx < 0 || starNx >= len(name) {
			return false
		}
		_, n := utf8.DecodeRuneInString(name[starNx:]) // the '*' takes one more character
		starNx += n
		px, nx = starPx+1, starNx
	}
	return true
}

// isLiteral reports whether the pattern p has no wildcard.
func isLiteral(p string) bool { return strings.IndexAny(p, "*?") < 0 }
