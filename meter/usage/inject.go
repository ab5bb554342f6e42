package usage

// optionsMember and includeMember are what InjectIncludeUsage adds.
const (
	optionsMember = `"stream_options":{"include_usage":true}`
	includeMember = `"include_usage":true`
)

// InjectIncludeUsage makes a streamed OpenAI chat (or completions) request
// ask for usage. When body is a JSON object with a top-level "stream": true
// and without stream_options.include_usage true, it returns, appended to
// dst, body with include_usage set (adding stream_options, adding the
// member to an existing object, or replacing any other include_usage value)
// and injected true. Otherwise it returns body itself and false: also when
// body is not valid JSON, or is ambiguous (a duplicate "stream" or
// "stream_options"), or stream_options is neither an object nor null, so the
// result is never invalid JSON. A leading UTF-8 byte order mark is allowed
// and kept. dst must not overlap body.
func InjectIncludeUsage(dst, body []byte) (out []byte, injected bool) {
	i := 0
	if len(body) >= 3 && string(body[:3]) == "\xef\xbb\xbf" {
		i = 3
	}
	i = skipWS(body, i)
	if i >= len(body) || body[i] != '{' {
		return body, false
	}
	var streams, opts int
	var stream, opt []byte
	var optStart, lastEnd int
	var buf nameBuf
	m := newMembers(body, i, 1)
	for m.next() {
		switch string(name(m.key, &buf)) {
		case "stream":
			streams, stream = streams+1, m.val()
		case "stream_options":
			opts, opt, optStart = opts+1, m.val(), m.valStart
		}
		lastEnd = m.valEnd
	}
	if m.end < 0 || skipWS(body, m.end) != len(body) || streams != 1 || string(stream) != "true" || opts > 1 {
		return body, false
	}
	switch {
	case opts == 0:
		return splice(dst, body, lastEnd, lastEnd, ","+optionsMember), true
	case isNull(opt):
		return splice(dst, body, optStart, optStart+len(opt), "{"+includeMember+"}"), true
	case isObject(opt):
		return setInclude(dst, body, optStart, opt)
	}
	return body, false
}

// setInclude sets include_usage in the stream_options object opt, which
// starts at body[start].
func setInclude(dst, body []byte, start int, opt []byte) ([]byte, bool) {
	found, allTrue := 0, true
	var buf nameBuf
	m := newMembers(opt, 0, 1)
	for m.next() {
		if string(name(m.key, &buf)) == "include_usage" {
			found++
			allTrue = allTrue && string(m.val()) == "true"
		}
	}
	switch {
	case found > 0 && allTrue:
		return body, false
	case found == 0 && m.n == 0: // {} with maybe whitespace
		return splice(dst, body, start+1, start+len(opt)-1, includeMember), true
	case found == 0:
		return splice(dst, body, start+m.valEnd, start+m.valEnd, ","+includeMember), true
	}
	dst = append(dst, body[:start]...)
	prev := 0
	for m = newMembers(opt, 0, 1); m.next(); {
		if string(name(m.key, &buf)) == "include_usage" && string(m.val()) != "true" {
			dst = append(dst, opt[prev:m.valStart]...)
			dst = append(dst, "true"...)
			prev = m.valEnd
		}
	}
	dst = append(dst, opt[prev:]...)
	return append(dst, body[start+len(opt):]...), true
}

// splice appends body with body[from:to] replaced by s.
func splice(dst, body []byte, from, to int, s string) []byte {
	dst = append(dst, body[:from]...)
	dst = append(dst, s...)
	return append(dst, body[to:]...)
}
