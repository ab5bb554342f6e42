package mcp

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// str returns the contents of the JSON string raw (quotes included) as
// encoding/json decodes it: escapes resolved, invalid UTF-8 and lone
// surrogates replaced by U+FFFD. When raw needs no decoding, which is the
// rule, the result aliases raw without copying (this is what keeps Inspect
// free of allocations); otherwise it is a new string.
func str(raw []byte) string {
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return alias(s)
	}
	return string(unquote(nil, s))
}

// alias returns b as a string sharing its memory. b must not change while
// the string is in use.
func alias(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// unquote appends to dst the decoded contents s of a valid JSON string
// (without its quotes).
func unquote(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			var r rune
			r, i = unescape(s, i)
			dst = utf8.AppendRune(dst, r)
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRune(s[i:])
			dst = utf8.AppendRune(dst, r) // RuneError for invalid bytes
			i += n
		}
	}
	return dst
}

// unescape decodes the escape starting at s[i] (a backslash) and returns
// the rune and the index after it. A surrogate pair is one rune; a lone
// surrogate is U+FFFD.
func unescape(s []byte, i int) (rune, int) {
	switch s[i+1] {
	case 'b':
		return '\b', i + 2
	case 'f':
		return '\f', i + 2
	case 'n':
		return '\n', i + 2
	case 'r':
		return '\r', i + 2
	case 't':
		return '\t', i + 2
	case 'u':
		r := hex4(s[i+2:])
		i += 6
		if !utf16.IsSurrogate(r) {
			return r, i
		}
		if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
			if r2 := hex4(s[i+2:]); r2 >= 0 {
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					return d, i + 6
				}
			}
		}
		return utf8.RuneError, i
	}
	return rune(s[i+1]), i + 2 // ", \ and /
}

// keyIs reports whether the raw object key (without quotes) names the
// member name as encoding/json matches struct fields: after decoding and
// ignoring case (Unicode simple folding, so "ſ" is an "s"). Callers pass
// ASCII names of at most 16 bytes.
func keyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return bytes.EqualFold(key, []byte(name))
	}
	if len(key) > 6*len(name) { // more than one \uXXXX per byte of name
		return false
	}
	var buf [128]byte
	return bytes.EqualFold(unquote(buf[:0], key), []byte(name))
}

// appendString appends s as a JSON string, escaped as encoding/json does
// (without the HTML escapes): quote, backslash and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			if r == utf8.RuneError {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, `\u202`...)
				dst = append(dst, "0123456789abcdef"[r&0xf])
			}
			start = i + n
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscape appends the escape of the ASCII byte c.
func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}
