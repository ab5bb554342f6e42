package usage

// MaxEvent is the largest server-sent event, in bytes including its line
// terminators, whose data is parsed. A larger event is passed through
// unparsed and sets Result.Oversized; it bounds the memory a Stream holds.
const MaxEvent = 1 << 20

// Stream reads the usage of a server-sent event stream incrementally, as
// the bytes arrive, and in strip mode removes what the gateway's injection
// of stream_options.include_usage added. Framing follows the WHATWG
// EventSource rules; chunk boundaries may fall anywhere.
//
// The zero Stream observes an Unknown format in pass-through mode; call
// Reset to choose. A Stream is reusable (Reset) and in steady state does not
// allocate per event: it keeps one event's data and, in strip mode, the
// bytes of one unfinished event, both at most MaxEvent. It is not safe for
// concurrent use.
type Stream struct {
	format    Format
	strip     bool
	res       Result
	lastModel string // the model of an earlier stream, reused when it repeats

	// The current line.
	cr      bool // the last byte was a CR ending a line: an LF right after it is part of it
	lineLen int  // bytes of the line so far, terminator excluded
	field   fieldKind
	name    [5]byte // the field name so far, while field is fieldName
	nameLen int
	space   bool // the value has not started: a leading space is still skipped

	// The current event.
	inEvent   bool
	size      int  // bytes of the event so far
	big       bool // size exceeded MaxEvent
	dataLines int
	data      []byte // the data lines joined with LF
	etype     [16]byte
	etypeLen  int // -1 when the event type is longer than etype

	// Strip mode.
	hold   []byte // bytes of the current event received in earlier calls
	held   bool   // hold has the start of the current event
	dropLF bool   // the last event was removed and ended in CR: drop an LF right after it
}

// fieldKind is the kind of the current line's field.
type fieldKind uint8

const (
	fieldName  fieldKind = iota // still reading the field name
	fieldData                   // "data"
	fieldEvent                  // "event"
	fieldOther                  // comments, "id", "retry" and unknown fields
)

// keepCap is the largest buffer capacity Reset keeps, so that one huge
// event does not pin memory for the Stream's later uses.
const keepCap = 64 << 10

// Reset prepares s for a new stream in format f. strip asks to remove what
// InjectIncludeUsage made the upstream add; it applies to OpenAIChat only
// and is ignored for other formats.
func (s *Stream) Reset(f Format, strip bool) {
	if s.res.Model != "" {
		s.lastModel = s.res.Model
	}
	data, hold := s.data[:0], s.hold[:0]
	if cap(data) > keepCap {
		data = nil
	}
	if cap(hold) > keepCap {
		hold = nil
	}
	*s = Stream{format: f, strip: strip && f == OpenAIChat, lastModel: s.lastModel, data: data, hold: hold}
}

// Result returns what the stream has said so far. The pointer stays valid
// and current until the next Reset.
func (s *Stream) Result() *Result { return &s.res }

// Process consumes the next bytes p read from upstream and returns the
// bytes to send to the client.
//
// In pass-through mode (strip false) it returns p itself, without copying,
// and only observes. In strip mode it removes the chunk that carries only
// usage (empty "choices") and a top-level "usage":null member from the
// other chunks, and passes everything else byte for byte: comments, id,
// event and retry fields, blank lines, [DONE]. It holds the bytes of an
// unfinished event until the event ends, never longer; a "usage":null
// written across data lines is left in place. The result is p, a prefix of
// p, or dst with the bytes appended; dst is scratch the caller owns. The
// result may share p's memory, so it must not be passed as a later dst.
func (s *Stream) Process(dst, p []byte) []byte {
	if !s.strip {
		s.scan(p, nil)
		return p
	}
	o := output{p: p, dst: dst}
	s.scan(p, &o)
	s.finishChunk(&o)
	if o.copied {
		return o.dst
	}
	return p[:o.emitted]
}

// Flush ends the stream at EOF and returns, appended to dst, the bytes still
// held (an unfinished final event, passed as it is). The unfinished event is
// still observed, so that usage the upstream sent before the stream broke
// off is counted; an unterminated last line counts as ended.
func (s *Stream) Flush(dst []byte) []byte {
	if s.inEvent {
		if s.lineLen > 0 {
			s.endLine()
		}
		s.dispatch()
	}
	if s.held {
		dst = append(dst, s.hold...)
	}
	s.hold, s.held, s.cr = s.hold[:0], false, false
	return dst
}
