package token

import "bytes"

// FromHeaders returns the credential a client sent in Authorization (Bearer
// scheme), x-api-key or api-key, in that order of preference, or nil. get
// looks up one request header by name; it lets both fasthttp and net/http
// callers use this without copying their headers.
func FromHeaders(get func(name string) []byte) []byte {
	if v := get("Authorization"); len(v) > 0 {
		if len(v) > 7 && bytes.EqualFold(v[:7], []byte("bearer ")) {
			return bytes.TrimSpace(v[7:])
		}
		return nil
	}
	if v := get("X-Api-Key"); len(v) > 0 {
		return bytes.TrimSpace(v)
	}
	if v := get("Api-Key"); len(v) > 0 {
		return bytes.TrimSpace(v)
	}
	return nil
}
