package mcp

import "errors"

// Errors returned for malformed input. Each returned error wraps one of
// these and names the problem (and, in a batch, the element); compare with
// errors.Is.
var (
	// ErrInvalidJSON: the body is not valid JSON.
	ErrInvalidJSON = errors.New("mcp: invalid JSON")
	// ErrNotMessage: the body or a batch element is not a JSON-RPC
	// message (not an object, or an object with neither method, result nor
	// error).
	ErrNotMessage = errors.New("mcp: not a JSON-RPC message")
	// ErrEmptyBatch: the body is an empty JSON array.
	ErrEmptyBatch = errors.New("mcp: empty batch")
	// ErrBatchTooLarge: the batch has more than MaxBatch elements.
	ErrBatchTooLarge = errors.New("mcp: batch too large")
	// ErrDuplicateMember: a member the gateway reads (method, id, params,
	// result, error, jsonrpc, and params.name or params.uri) appears twice,
	// counting keys that differ only in case as the same. Parsers disagree
	// about which occurrence wins, so such a message is refused rather than
	// guessed at.
	ErrDuplicateMember = errors.New("mcp: duplicate member")
	// ErrBadMember: a member the gateway reads has the wrong type or value
	// (a method that is not a string, an id that is not a string or an
	// integer, a tools/call without a string params.name).
	ErrBadMember = errors.New("mcp: bad member")
	// ErrDuplicateID: two requests share an id: two in one batch, or one
	// whose id is that of a request of the same 2024-11-05 session still
	// awaiting its response (Tracker.Add). Ids that a peer could confuse
	// count as the same: 5, 5.0 and "5". A response could not be matched to
	// its request, so the request is refused.
	ErrDuplicateID = errors.New("mcp: duplicate request id")
	// ErrBadGlob: a policy pattern is malformed.
	ErrBadGlob = errors.New("mcp: bad glob")
	// ErrHeaderMismatch: an Mcp-Method or Mcp-Name request header disagrees
	// with the body.
	ErrHeaderMismatch = errors.New("mcp: header mismatch")
	// ErrEndpoint: a 2024-11-05 endpoint URI cannot be served through the
	// gateway (another host, outside the upstream's base path, unparsable).
	ErrEndpoint = errors.New("mcp: endpoint refused")
	// ErrOversized: a server-sent event the Stream had to hold (a tools/list
	// response, an endpoint event) exceeded MaxEvent and was withheld.
	ErrOversized = errors.New("mcp: event too large to rewrite")
)
