package gateway

import (
	"bytes"
	"testing"
)

// firstDataLine is the reference: the value of the first line of s that is
// a data field (SSE line ends LF, CR or CRLF), and whether there is one.
func firstDataLine(s []byte) ([]byte, bool) {
	for len(s) > 0 {
		end := bytes.IndexAny(s, "\r\n")
		line := s
		if end >= 0 {
			line = s[:end]
		}
		if v, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			return bytes.TrimPrefix(v, []byte(" ")), true
		}
		if end < 0 {
			break
		}
		s = s[end+1:]
	}
	return nil, false
}

// FuzzEndpointFinder: fed a stream's output whole, the finder reports the
// first data line, as the reference reads it, exactly when it is a path
// under the upstream's prefix; it never panics on any bytes.
func FuzzEndpointFinder(f *testing.F) {
	for _, s := range []string{
		"event: endpoint\ndata: /up/?sessionid=abc\n\n",
		": c\n\nevent: endpoint\r\ndata:/up/messages?s=1\r\n\r\n",
		"data: {\"jsonrpc\":\"2.0\"}\n\n",
		"data: /upper/x\n\n", "data: /up\n", "", "\r\r\rdata: /up?x\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		fd := endpointFinder{looking: true, lineStart: true, prefix: "/up"}
		uri, done := fd.scan(out)
		want, ok := firstDataLine(out)
		if done != ok {
			t.Fatalf("done %v, reference found a data line: %v", done, ok)
		}
		under := ok && bytes.HasPrefix(want, []byte("/up")) && (len(want) == 3 || want[3] == '/' || want[3] == '?')
		if under != (uri != nil) || under && !bytes.Equal(uri, want) {
			t.Fatalf("uri %q, reference %q (under the prefix: %v)", uri, want, under)
		}
	})
}
