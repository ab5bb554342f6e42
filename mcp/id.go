package mcp

import (
	"bytes"
	"unicode/utf8"
)

// maxSafeInt is the largest integer id accepted: 2^53 − 1, the largest a
// JavaScript or float64-based peer represents exactly. A larger id would be
// echoed back rounded and no longer match its request.
const maxSafeInt = 1<<53 - 1

// intValue returns the value of the valid JSON number b when it is an
// integer (1, 1.0 and 1e0 alike) within ±maxSafeInt.
func intValue(b []byte) (int64, bool) {
	i, neg := 0, false
	if b[0] == '-' {
		i, neg = 1, true
	}
	var digs [20]byte // significant digits; value = digs × 10^exp
	n, exp := 0, 0
	add := func(c byte) bool {
		if n == 0 && c == '0' {
			return true
		}
		if n == len(digs) {
			return false
		}
		digs[n] = c
		n++
		return true
	}
	for ; i < len(b) && isDigit(b[i]); i++ {
		if !add(b[i]) {
			return 0, false
		}
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && isDigit(b[i]); i++ {
			if !add(b[i]) {
				return 0, false
			}
			exp--
		}
	}
	if i < len(b) {
		e, ok := exponent(b[i+1:])
		if !ok {
			return 0, false
		}
		exp += e
	}
	for n > 0 && digs[n-1] == '0' {
		n, exp = n-1, exp+1
	}
	if n == 0 {
		return 0, true
	}
	if exp < 0 || n+exp > 16 {
		return 0, false
	}
	var v int64
	for _, c := range digs[:n] {
		v = v*10 + int64(c-'0')
	}
	for range exp {
		v *= 10
	}
	if v > maxSafeInt {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// exponent returns the value of a number's exponent digits b (after the
// 'e'), with its sign, when it is small enough to matter.
func exponent(b []byte) (int, bool) {
	sign := 1
	if b[0] == '+' || b[0] == '-' {
		if b[0] == '-' {
			sign = -1
		}
		b = b[1:]
	}
	e := 0
	for _, c := range b {
		e = e*10 + int(c-'0')
		if e > 1000 {
			return 0, false
		}
	}
	return sign * e, true
}

// sameID reports whether two JSON-RPC ids (raw JSON) are the same id as a
// peer that decodes them sees it: equal strings after decoding escapes, or
// equal integers however written. A response is matched to its request
// with it, since a server re-encodes the id it echoes.
func sameID(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	switch {
	case a[0] == '"' && b[0] == '"':
		if plain(a) && plain(b) {
			return false // no decoding makes them equal
		}
		var ba, bb [128]byte
		return bytes.Equal(unquote(ba[:0], a[1:len(a)-1]), unquote(bb[:0], b[1:len(b)-1]))
	case isNumberStart(a[0]) && isNumberStart(b[0]):
		x, ok1 := intValue(a)
		y, ok2 := intValue(b)
		return ok1 && ok2 && x == y
	}
	return false
}

// plain reports whether the JSON string raw decodes to its own bytes.
func plain(raw []byte) bool {
	return bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw)
}

func isNumberStart(c byte) bool { return c == '-' || isDigit(c) }

// similarID reports whether a peer could take two JSON-RPC ids (raw JSON)
// for the same: sameID, or a string and a number whose decoded text is the
// same integer ("5" and 5 or 5.0), which peers that decode ids loosely
// confuse. Duplicates are refused by this looser rule.
func similarID(a, b []byte) bool {
	return sameID(a, b) || numString(a, b) || numString(b, a)
}

// numString reports whether s is a JSON string holding, without escapes,
// an integer equal to the JSON number n.
func numString(s, n []byte) bool {
	if len(s) < 3 || s[0] != '"' || len(n) == 0 || !isNumberStart(n[0]) {
		return false
	}
	in := s[1 : len(s)-1]
	if !isNumberStart(in[0]) || skipNumber(in, 0) != len(in) {
		return false
	}
	x, ok1 := intValue(in)
	y, ok2 := intValue(n)
	return ok1 && ok2 && x == y
}

// repeatedID returns the index of the first request among calls whose id
// is similar to that of an earlier request, or -1. Batches are at most
// MaxBatch messages, so the quadratic scan stays small.
func repeatedID(calls []Call) int {
	for i := range calls {
		if calls[i].Kind != Request {
			continue
		}
		for j := range i {
			if calls[j].Kind == Request && similarID(calls[j].ID, calls[i].ID) {
				return i
			}
		}
	}
	return -1
}
