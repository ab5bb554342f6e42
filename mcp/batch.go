package mcp

// SplitBatch divides a JSON-RPC batch that Inspect read into calls: the
// messages to forward and the error responses to the denied ones. deny
// reports whether message i is denied, and by which policy (the name the
// error quotes); it is called once per message, in order.
//
// forward, appended to dst, is the batch without the denied messages, each
// kept message byte for byte; it is nil when every message is denied, and
// then nothing is to be forwarded. errs holds DenyCall's response for each
// denied request, in order; a denied notification is dropped without one,
// as JSON-RPC gives notifications no response. Answer with
// MergeBatchResponse (JSON) or ErrorEvent (an SSE answer). SplitBatch does
// not allocate when nothing is denied and dst has room.
func SplitBatch(dst, body []byte, calls []Call, deny func(i int) (policy string, denied bool)) (forward []byte, errs [][]byte) {
	kept := 0
	var ebuf []byte
	var ends []int
	for i := range calls {
		c := &calls[i]
		if policy, denied := deny(i); denied {
			if c.Kind == Request {
				ebuf = DenyCall(ebuf, c.ID, c.Tool, policy)
				ends = append(ends, len(ebuf))
			}
			continue
		}
		if kept == 0 {
			dst = append(dst, '[')
		} else {
			dst = append(dst, ',')
		}
		dst = append(dst, body[c.Start:c.End]...)
		kept++
	}
	if kept > 0 {
		forward = append(dst, ']')
	}
	if len(ends) > 0 {
		errs = make([][]byte, len(ends))
		from := 0
		for i, end := range ends {
			errs[i] = ebuf[from:end:end]
			from = end
		}
	}
	return forward, errs
}

// MergeBatchResponse appends to dst the upstream's JSON answer to a
// forwarded batch with the error responses errs added as further elements:
// an array gets them before its ']', a single response object becomes an
// array with them, and an empty answer (202 Accepted, when only
// notifications and responses were forwarded, or nothing was) becomes an
// array of errs alone. The upstream's bytes are kept as they are. An answer
// that is none of these is appended unchanged, without errs.
func MergeBatchResponse(dst, upstream []byte, errs [][]byte) []byte {
	start, end := topValue(upstream)
	switch {
	case len(errs) == 0:
		return append(dst, upstream...)
	case skipWS(upstream, 0) == len(upstream):
		return append(appendErrs(append(dst, '['), errs), ']')
	case start < 0:
		return append(dst, upstream...)
	case upstream[start] == '[':
		last := end - 1 // the ']'
		empty := skipWS(upstream, start+1) == last
		dst = append(dst, upstream[:last]...)
		if !empty {
			dst = append(dst, ',')
		}
		dst = appendErrs(dst, errs)
		return append(dst, upstream[last:]...)
	case upstream[start] == '{':
		dst = append(dst, '[')
		dst = append(dst, upstream[start:end]...)
		return append(appendErrs(append(dst, ','), errs), ']')
	}
	return append(dst, upstream...)
}

// appendErrs appends errs separated by commas.
func appendErrs(dst []byte, errs [][]byte) []byte {
	for i, e := range errs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e...)
	}
	return dst
}

// ErrorEvent appends to dst one server-sent event per error response in
// errs ("event: message", one data line, a blank line), the way MCP servers
// send each JSON-RPC message of an SSE answer. Write it at an event
// boundary: before the upstream's first byte, after Flush, or where
// Stream.AtBoundary says so.
func ErrorEvent(dst []byte, errs [][]byte) []byte {
	for _, e := range errs {
		dst = append(dst, "event: message\ndata: "...)
		dst = append(dst, e...)
		dst = append(dst, "\n\n"...)
	}
	return dst
}
