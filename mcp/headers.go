package mcp

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// HeaderMismatch checks the 2026-07-28 Mcp-Method and Mcp-Name request
// headers (method and name, the raw header values; empty when absent)
// against the body Inspect read into calls. A header that is present must
// agree with the body, so that nothing routing or authorizing on the header
// sees another method or tool than the gateway's policy did: Mcp-Method
// equal to the method (a method the gateway reads, such as tools/call, in
// any case), Mcp-Name (after the "=?base64?…?=" decoding MCP
// defines for values that are not plain ASCII) equal to Call.Name for the
// methods that have one. Headers on a batch, or on a message without a
// method, are a mismatch. Absent headers are not checked here: whether a
// revision requires them is the upstream's to say.
//
// The error wraps ErrHeaderMismatch and quotes both values; it returns nil
// without allocating when the headers agree.
func HeaderMismatch(method, name []byte, calls []Call) error {
	if len(method) == 0 && len(name) == 0 {
		return nil
	}
	if len(calls) != 1 {
		return fmt.Errorf("%w: Mcp-Method or Mcp-Name header on a batch of %d messages", ErrHeaderMismatch, len(calls))
	}
	c := &calls[0]
	if c.Kind == Response {
		return fmt.Errorf("%w: Mcp-Method or Mcp-Name header on a response", ErrHeaderMismatch)
	}
	if len(method) > 0 && string(method) != c.Method && canonMethod(string(method)) != c.Method {
		return fmt.Errorf("%w: Mcp-Method header %q, body method %q", ErrHeaderMismatch, method, c.Method)
	}
	if len(name) == 0 || nameField(c.Method) == "" {
		return nil
	}
	var buf [256]byte
	decoded, ok := headerValue(buf[:0], name)
	if !ok {
		return fmt.Errorf("%w: Mcp-Name header %q is not valid base64", ErrHeaderMismatch, name)
	}
	if string(decoded) != c.Name {
		return fmt.Errorf("%w: Mcp-Name header %q, body params.%s %q", ErrHeaderMismatch, name, nameField(c.Method), c.Name)
	}
	return nil
}

// headerValue decodes an MCP header value: "=?base64?X?=" is the
// standard-base64 X, anything else is itself. The result is appended to dst
// or, when no decoding is needed, v itself.
func headerValue(dst, v []byte) ([]byte, bool) {
	const prefix, suffix = "=?base64?", "?="
	if !bytes.HasPrefix(v, []byte(prefix)) || !bytes.HasSuffix(v, []byte(suffix)) || len(v) < len(prefix)+len(suffix) {
		return v, true
	}
	enc := v[len(prefix) : len(v)-len(suffix)]
	n := base64.StdEncoding.DecodedLen(len(enc))
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	n, err := base64.StdEncoding.Decode(dst[:n], enc)
	if err != nil {
		return nil, false
	}
	return dst[:n], true
}
