package gateway

import (
	"strings"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/valyala/fasthttp"
)

// maxModelEscaped bounds the raw length of an escaped model string worth
// decoding: a valid model name is at most 128 bytes, each at most a
// six-byte \uXXXX escape.
const maxModelEscaped = 6 * 128

// requestModel returns the top-level "model" of a JSON request body, for
// per-model limits (limiter.Request.Model), or "" when there is none or it
// is not a valid model name (store.ValidModelName; no limit can name it).
// ok is false when the body names its model more than once: upstreams
// disagree on which one counts (Go's decoder matches keys in any case and
// takes the last, Python's takes the exact "model"), so such a body could
// slip past a per-model limit and is refused instead.
// It also leaves in st.scan what the scan found for the estimate, and in
// st.named the model as the body names it, valid name or not (a name too
// long to decode stays raw): that is what the price table prices.
// It scans the body once without decoding it and does not allocate: the
// results alias the body, or st.model when the string had escapes, which
// are decoded so that "gpt\u002d4o" counts as "gpt-4o". Like common JSON
// decoders, the last of duplicate keys wins.
func requestModel(req *fasthttp.Request, st *state) (model string, ok bool) {
	st.scan, st.named = bodyScan{}, ""
	if !req.Header.IsPost() {
		return "", true
	}
	st.scan = scanBody(req.Body())
	raw := st.scan.model
	if st.scan.models > 1 {
		return "", false
	}
	if raw == nil {
		return "", true
	}
	if st.scan.escaped && len(raw) <= maxModelEscaped {
		if m, ok := unescapeJSON(st.model[:0], raw); ok {
			st.model, raw = m, m
		}
	}
	st.named = alias(raw)
	if store.ValidModelName(st.named) { // a name left escaped has a backslash: never valid
		return st.named, true
	}
	return "", true
}

// utf8BOM may open a JSON body; Python's json.loads accepts it.
const utf8BOM = "\xef\xbb\xbf"

// bodyScan is what one pass over a JSON request body finds at its top level.
type bodyScan struct {
	model   []byte // the raw contents of the model string, nil when none
	escaped bool   // model holds escapes
	models  int    // keys that matched "model" (more than one is ambiguous)
	// maxTokens is the largest non-negative integer among "max_tokens",
	// "max_completion_tokens" and "max_output_tokens" (any case), capped at
	// maxTokensCap; 0 when none. The largest, not the last: the estimate
	// held at admission should not be lowered by a duplicate key that the
	// upstream may ignore.
	maxTokens int64
	// choices is the largest non-negative integer among "n" and "best_of"
	// (any case), capped like maxTokens; 0 when none. The estimate holds the
	// output of each choice (meter.Table.Estimate bounds it).
	choices int64
	stream  bool // the last "stream" key (any case) is true
}

// maxTokensCap bounds a scanned max-tokens value; no model emits more, and
// the bound keeps estimates far from overflow.
const maxTokensCap = 1 << 40

// scanModel finds the value of the top-level key that matches "model" in
// any case (as Go's decoder does) in the JSON object b, when that value is a
// string, and returns its raw contents (between the quotes), whether they
// hold escapes, and how many keys matched (more than one is ambiguous).
func scanModel(b []byte) (val []byte, escaped bool, n int) {
	sc := scanBody(b)
	return sc.model, sc.escaped, sc.models
}

// scanBody walks the top level of the JSON object b once, without decoding
// it and without allocating, and returns what the gateway needs: the model,
// the largest max-tokens value, the number of choices and whether it asks
// for a stream. Like
// common JSON decoders, the last of duplicate model keys wins. It skips a
// leading UTF-8 BOM, is lenient where decoders differ (bare words such as
// NaN, trailing commas) and gives up, returning no model, on anything it
// cannot walk; b need not be valid JSON.
func scanBody(b []byte) (sc bodyScan) {
	if len(b) >= 3 && string(b[:3]) == utf8BOM {
		b = b[3:]
	}
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return bodyScan{}
	}
	i++
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] == '}' {
			return sc
		}
		if i = sc.member(b, i); i < 0 {
			sc.model, sc.escaped = nil, false
			return sc
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i++
		}
	}
}

// member reads the key and value starting at b[i] into sc and returns the
// index after the value, or -1 when it cannot.
func (sc *bodyScan) member(b []byte, i int) int {
	if b[i] != '"' {
		return -1
	}
	key, kesc, end := scanString(b, i)
	if end < 0 {
		return -1
	}
	i = skipWS(b, end)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	i = skipWS(b, i+1)
	if i >= len(b) {
		return -1
	}
	switch keyOf(key, kesc) {
	case keyModel:
		sc.models++
		sc.model, sc.escaped = nil, false // a later non-string model replaces an earlier string
		if b[i] == '"' {
			v, vesc, end := scanString(b, i)
			if end >= 0 {
				sc.model, sc.escaped = v, vesc
			}
			return end
		}
	case keyMaxTokens:
		end := skipValue(b, i)
		if end > i {
			if n, ok := parseCount(b[i:end]); ok && n > sc.maxTokens {
				sc.maxTokens = n
			}
		}
		return end
	case keyChoices:
		end := skipValue(b, i)
		if end > i {
			if n, ok := parseCount(b[i:end]); ok && n > sc.choices {
				sc.choices = n
			}
		}
		return end
	case keyStream:
		end := skipValue(b, i)
		if end > i {
			sc.stream = string(b[i:end]) == "true"
		}
		return end
	}
	return skipValue(b, i)
}

// Top-level keys the scan looks for.
const (
	keyOther = iota
	keyModel
	keyMaxTokens
	keyChoices
	keyStream
)

// longestKey is the longest key keyOf looks for.
const longestKey = len("max_completion_tokens")

// keyOf classifies the raw key in any case (Unicode simple folding, as Go's
// decoder), decoding escapes.
func keyOf(key []byte, escaped bool) int {
	if escaped {
		if len(key) > 6*longestKey {
			return keyOther
		}
		var buf [6 * longestKey]byte
		k, ok := unescapeJSON(buf[:0], key)
		if !ok {
			return keyOther
		}
		return foldedKey(k)
	}
	return foldedKey(key)
}

func foldedKey(key []byte) int {
	if len(key) > 3*longestKey { // a folded rune is at most 3 bytes
		return keyOther
	}
	switch k := alias(key); {
	case strings.EqualFold(k, "model"):
		return keyModel
	case strings.EqualFold(k, "max_tokens"), strings.EqualFold(k, "max_completion_tokens"),
		strings.EqualFold(k, "max_output_tokens"):
		return keyMaxTokens
	case strings.EqualFold(k, "stream"):
		return keyStream
	case strings.EqualFold(k, "n"), strings.EqualFold(k, "best_of"):
		return keyChoices
	}
	return keyOther
}

// parseCount parses a JSON number that is a non-negative integer (digits,
// or digits with a zero fraction such as 100.0), capped at maxTokensCap.
func parseCount(b []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = min(n*10+int64(b[i]-'0'), maxTokensCap)
	}
	if i == 0 {
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] == '0'; i++ {
		}
	}
	return n, i == len(b)
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the string starting at b[i] == '"'. It returns the raw
// contents, whether they hold a backslash, and the index after the closing
// quote, or end -1 when the string is not closed.
func scanString(b []byte, i int) (raw []byte, escaped bool, end int) {
	start := i + 1
	for j := start; j < len(b); j++ {
		switch b[j] {
		case '"':
			return b[start:j], escaped, j + 1
		case '\\':
			escaped = true
			j++
		}
	}
	return nil, false, -1
}

// skipValue skips the value starting at b[i] and returns the index after
// it, or -1 when it does not end. Objects and arrays are skipped by counting
// brackets outside strings, without recursion.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		_, _, end := scanString(b, i)
		return end
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			case '"':
				_, _, end := scanString(b, i)
				if end < 0 {
					return -1
				}
				i = end - 1
			}
		}
		return -1
	}
	for ; i < len(b); i++ { // numbers, true, false, null, and bare words
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// unescapeJSON appends the decoded form of the raw JSON string contents src
// to dst. It reports false on a malformed escape.
func unescapeJSON(dst, src []byte) ([]byte, bool) {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		if i++; i >= len(src) {
			return dst, false
		}
		switch src[i] {
		case '"', '\\', '/':
			dst = append(dst, src[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n := decodeU(src[i+1:])
			if n == 0 {
				return dst, false
			}
			dst, i = utf8.AppendRune(dst, r), i+n
		default:
			return dst, false
		}
	}
	return dst, true
}

// decodeU decodes the XXXX after \u, and a low surrogate \uXXXX after a high
// one. It returns the rune and the bytes consumed, 0 when malformed.
func decodeU(b []byte) (rune, int) {
	r, ok := hex4(b)
	if !ok {
		return 0, 0
	}
	if r >= 0xD800 && r < 0xDC00 && len(b) >= 10 && b[4] == '\\' && b[5] == 'u' {
		if lo, ok := hex4(b[6:]); ok && lo >= 0xDC00 && lo < 0xE000 {
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 10
		}
	}
	if r >= 0xD800 && r < 0xE000 {
		return utf8.RuneError, 4
	}
	return r, 4
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
