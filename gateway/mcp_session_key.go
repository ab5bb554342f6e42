package gateway

import (
	"bytes"
	"errors"
	"net/url"
)

// A 2024-11-05 session is keyed by the session id its endpoint URI carries
// in the query (the sessionId or session_id parameter, any case, as the
// go-sdk, mcp-go and the TypeScript and Python SDKs name it), not by the
// whole URI: the upstream finds the session by that parameter alone, so a
// POST to the endpoint with other parameters added or reordered reaches the
// same session and must be tracked by it. An endpoint without such a
// parameter is keyed by its whole URI.

// Errors of a POST's session parameter, answered 400 or 404.
var (
	// errSessionAmbiguous: the query names the session more than once
	// (repeated, or in two spellings), or cannot be decoded: the upstream
	// might read another session than the gateway.
	errSessionAmbiguous = errors.New("gateway: the query names the MCP session ambiguously")
	// errSessionUnknown: the query names a session this gateway did not
	// open (or whose GET stream ended).
	errSessionUnknown = errors.New("gateway: unknown MCP session")
)

// sessionKey appends to dst the key of the 2024-11-05 session that uri, a
// gateway path ("/up/messages?sessionId=abc"), belongs to, in workspace ws
// on upstream name: "s <ws> <name> <session id>" when the query has a
// session parameter (param reports it), else "u <ws> <uri>". It allocates
// only to decode an escaped parameter.
func sessionKey(dst []byte, ws string, name, uri []byte) (key []byte, param bool, err error) {
	var q []byte
	if _, after, ok := bytes.Cut(uri, []byte{'?'}); ok {
		q, _, _ = bytes.Cut(after, []byte{'#'})
	}
	sid, param, err := sessionParam(q)
	if err != nil || !param {
		dst = append(append(append(dst, "u "...), ws...), ' ')
		return append(dst, uri...), false, err
	}
	dst = append(append(append(append(dst, "s "...), ws...), ' '), name...)
	return append(append(dst, ' '), sid...), true, nil
}

// sessionParam returns the value of the session parameter of the raw
// query q, decoded (aliasing q unless it was escaped), and whether there is
// one. Pairs are split at '&' and at ';' (which some servers also accept),
// so that no reading of the query finds a session the gateway did not.
func sessionParam(q []byte) (sid []byte, found bool, err error) {
	for len(q) > 0 {
		pair := q
		if i := bytes.IndexAny(q, "&;"); i >= 0 {
			pair, q = q[:i], q[i+1:]
		} else {
			q = nil
		}
		k, v, _ := bytes.Cut(pair, []byte{'='})
		if !isSessionName(k) {
			continue
		}
		if found {
			return nil, true, errSessionAmbiguous
		}
		if sid, err = unescapeQuery(v); err != nil {
			return nil, true, errSessionAmbiguous
		}
		found = true
	}
	return sid, found, nil
}

// isSessionName reports whether the query key k, decoded, is sessionId or
// session_id in any case; an undecodable key counts as one (and is then
// refused as ambiguous).
func isSessionName(k []byte) bool {
	if bytes.ContainsAny(k, "%+") {
		d, err := url.QueryUnescape(string(k))
		if err != nil {
			return true
		}
		k = []byte(d)
	}
	return bytes.EqualFold(k, []byte("sessionid")) || bytes.EqualFold(k, []byte("session_id"))
}

// unescapeQuery decodes a query value, allocating only when it is escaped.
func unescapeQuery(v []byte) ([]byte, error) {
	if !bytes.ContainsAny(v, "%+") {
		return v, nil
	}
	d, err := url.QueryUnescape(string(v))
	return []byte(d), err
}
