package usage

import "bytes"

// action is what strip mode does to an event: drop its data, or cut
// data[cutFrom:cutTo] (when cutTo > cutFrom).
type action struct {
	drop           bool
	cutFrom, cutTo int
}

// observe folds one event's data into the result and, in strip mode,
// decides what to remove from it.
func (s *Stream) observe(data []byte) action {
	if s.format == OpenAIChat && isDone(data) {
		s.res.Complete = true
		return action{}
	}
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return action{}
	}
	fs, end := scanFields(data, i)
	if end < 0 || skipWS(data, end) != len(data) {
		return action{}
	}
	switch s.format {
	case OpenAIResponses:
		s.responsesEvent(&fs)
	case AnthropicMessages:
		s.anthropicEvent(&fs)
	default:
		readObject(s.format, &fs, &s.res, s.lastModel)
		if s.strip {
			return stripAction(&fs)
		}
	}
	return action{}
}

// isDone reports whether data is OpenAI's end-of-stream marker.
func isDone(data []byte) bool { return string(bytes.TrimSpace(data)) == "[DONE]" }

// responsesEvent reads one event of the Responses API: the response object
// of response.* events, and the terminal types.
func (s *Stream) responsesEvent(fs *fields) {
	r := &s.res
	if fs.errored() {
		r.Errored = true
	}
	if isObject(fs.response) {
		rs, _ := scanFields(fs.response, 0)
		readObject(OpenAIResponses, &rs, r, s.lastModel)
	}
	switch {
	case typeIs(fs.typ, "response.failed"):
		r.Errored = true
		r.Complete = true
	case typeIs(fs.typ, "response.completed"), typeIs(fs.typ, "response.incomplete"):
		r.Complete = true
	}
}

// anthropicEvent reads one event of the Messages API: input, cache and
// model from message_start, cumulative totals from message_delta, the end
// from message_stop.
func (s *Stream) anthropicEvent(fs *fields) {
	r := &s.res
	if fs.errored() {
		r.Errored = true
	}
	switch {
	case typeIs(fs.typ, "message_start"):
		if !isObject(fs.message) {
			return
		}
		ms, _ := scanFields(fs.message, 0)
		setModel(r, ms.model, s.lastModel)
		if isObject(ms.usage) {
			c := anthropicUsage(ms.usage)
			r.Tokens, r.Found = c.tokens(), true
		}
	case typeIs(fs.typ, "message_delta"):
		if isObject(fs.usage) {
			c := anthropicUsage(fs.usage)
			c.mergeDelta(&r.Tokens)
			r.Found = true
		}
	case typeIs(fs.typ, "message_stop"):
		r.Complete = true
	}
}

// stripAction decides what to remove from an OpenAI chat chunk that the
// client did not ask usage for: the whole chunk when it only carries usage
// (empty choices), or a "usage":null member.
func stripAction(fs *fields) action {
	switch {
	case isObject(fs.usage) && isEmptyArray(fs.choices):
		return action{drop: true}
	case fs.nUsage == 1 && isNull(fs.usage):
		return action{cutFrom: fs.cutFrom, cutTo: fs.cutTo}
	}
	return action{}
}
