package gateway

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// hopHeaders are the hop-by-hop headers of RFC 9110 §7.6.1 (plus the
// non-standard Proxy-Connection), in fasthttp's canonical spelling. They
// describe one connection and are never forwarded.
var hopHeaders = [...]string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// clientCredentialHeaders carry the client's Tollgate token. They are
// removed before the upstream's credential is added, so the token never
// leaves the gateway.
var clientCredentialHeaders = [...]string{"Authorization", "X-Api-Key", "Api-Key"}

// headers is what stripHop needs of fasthttp's request and response headers.
type headers interface {
	Peek(key string) []byte
	Del(key string)
	DelBytes(key []byte)
}

var (
	_ headers = (*fasthttp.RequestHeader)(nil)
	_ headers = (*fasthttp.ResponseHeader)(nil)
)

// stripHop removes from h the headers named in its Connection header, then
// every hop-by-hop header. It allocates only when Connection lists more than
// 256 bytes of names.
func stripHop(h headers) {
	if v := h.Peek("Connection"); len(v) > 0 {
		// Copy first: deleting headers may move the bytes v aliases.
		var buf [256]byte
		names := append(buf[:0], v...)
		for len(names) > 0 {
			var name []byte
			name, names, _ = bytes.Cut(names, []byte{','})
			if name = bytes.TrimSpace(name); len(name) > 0 {
				h.DelBytes(name)
			}
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// stripProxyHeaders removes every request header whose name starts with
// "Proxy-": they are meant for a proxy, and the gateway is the last one.
// Names are collected first because deleting while visiting is not allowed.
// Names longer than 64 bytes are left alone: they match no proxy protocol.
func stripProxyHeaders(h *fasthttp.RequestHeader) {
	for {
		var found [8][64]byte
		var lens [8]int
		n := 0
		for k := range h.All() {
			if n < len(found) && len(k) > 6 && len(k) <= 64 && bytes.EqualFold(k[:6], []byte("Proxy-")) {
				lens[n] = copy(found[n][:], k)
				n++
			}
		}
		for i := range n {
			h.DelBytes(found[i][:lens[i]])
		}
		if n < len(found) {
			return
		}
	}
}
