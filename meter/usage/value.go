package usage

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// nameBuf holds a short string value with its escapes decoded.
type nameBuf [40]byte

// name returns the contents of the JSON string raw (without its quotes)
// with escapes decoded, using buf when it has escapes. It is only for
// comparing with the ASCII names this package looks for: a string too long
// for buf, or with an escape that decodes to a non-ASCII character, comes
// back as nil, which matches none of them.
func name(raw []byte, buf *nameBuf) []byte {
	if !hasEscape(raw) {
		return raw // the common case: no copy
	}
	n := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' {
			if c, i = unescapeASCII(raw, i); c == 0 {
				return nil
			}
		}
		if n == len(buf) {
			return nil
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

// unescapeASCII decodes the escape at raw[i] (valid, as raw was scanned)
// and returns its byte and the index of its last byte, or 0 when it is not
// a non-NUL ASCII character.
func unescapeASCII(raw []byte, i int) (byte, int) {
	switch c := raw[i+1]; c {
	case 'b':
		return '\b', i + 1
	case 'f':
		return '\f', i + 1
	case 'n':
		return '\n', i + 1
	case 'r':
		return '\r', i + 1
	case 't':
		return '\t', i + 1
	case 'u':
		v := hexVal(raw[i+2])<<12 | hexVal(raw[i+3])<<8 | hexVal(raw[i+4])<<4 | hexVal(raw[i+5])
		if v == 0 || v >= utf8.RuneSelf {
			return 0, i + 5
		}
		return byte(v), i + 5
	default: // '"', '\\', '/'
		return c, i + 1
	}
}

// is reports whether the JSON string raw (without quotes) is s, an ASCII
// name.
func is(raw []byte, s string) bool {
	var buf nameBuf
	return string(name(raw, &buf)) == s
}

// stringValue decodes the JSON string value v (with its quotes). It
// allocates the result; escapes and invalid UTF-8 are decoded as
// encoding/json decodes them.
func stringValue(v []byte) string {
	raw := v[1 : len(v)-1]
	if !hasEscape(raw) && utf8.Valid(raw) {
		return string(raw)
	}
	var s string
	_ = json.Unmarshal(v, &s) // v was scanned: it is a valid JSON string
	return s
}

func hasEscape(raw []byte) bool { return bytes.IndexByte(raw, '\\') >= 0 }

// count converts a JSON value to a token count: a number is truncated
// toward zero and clamped to [0, MaxCount]; anything else counts 0.
func count(v []byte) int64 {
	if len(v) == 0 || v[0] != '-' && !isDigit(v[0]) {
		return 0
	}
	if len(v) <= 16 {
		var n int64
		for _, c := range v {
			if !isDigit(c) {
				return countFloat(v)
			}
			n = n*10 + int64(c-'0')
		}
		return min(n, MaxCount)
	}
	return countFloat(v)
}

// countFloat converts a number with a sign, fraction, exponent or more than
// 16 digits: rare, and slower.
func countFloat(v []byte) int64 {
	f, _ := strconv.ParseFloat(string(v), 64) // out of range gives ±Inf or 0
	switch {
	case !(f > 0):
		return 0
	case f >= MaxCount:
		return MaxCount
	}
	return int64(f)
}

// isNull reports whether the value v is JSON null.
func isNull(v []byte) bool { return string(v) == "null" }

// isObject reports whether the value v is a JSON object.
func isObject(v []byte) bool { return len(v) > 0 && v[0] == '{' }

// isEmptyArray reports whether the value v is a JSON array with no elements.
func isEmptyArray(v []byte) bool {
	return len(v) > 0 && v[0] == '[' && skipWS(v, 1) == len(v)-1
}
