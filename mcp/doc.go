// Package mcp inspects and, where a policy demands it, rewrites Model
// Context Protocol traffic as the gateway relays it: JSON-RPC requests
// POSTed by clients, JSON and server-sent-event answers, and the GET
// streams of every transport revision (Streamable HTTP 2025-03-26,
// 2025-06-18, 2025-11-25 and 2026-07-28, and the 2024-11-05 HTTP+SSE
// transport). It is pure: no I/O, no clock, no dependency on other Tollgate
// packages; the gateway calls it.
//
// # What is read
//
//   - Requests (Inspect): each message's kind, method, id and, for
//     tools/call, prompts/get and resources/*, the name or URI that
//     policies and the 2026-07-28 Mcp-Name header refer to. Single
//     messages and batches (at most MaxBatch). The body is validated as
//     encoding/json would, names are decoded and keys matched as
//     encoding/json matches them, and repeated members are refused, so that
//     the upstream cannot read another method or tool than the gateway did.
//   - Request headers (HeaderMismatch): Mcp-Method and Mcp-Name must agree
//     with the body. Origin (CheckOrigin) must be an allowed origin.
//   - Responses (Outcome, Outcomes, Stream): the id and outcome (ok, tool
//     error, JSON-RPC error) of each response to a tools/call, for metering;
//     the result of a tools/list, for filtering.
//
// # What is rewritten, and nothing else
//
//   - A tools/call a Policy denies is not forwarded: the client gets a
//     JSON-RPC error naming the tool and the policy (DenyCall, CodeDenied);
//     in a batch the denied messages are cut out (SplitBatch) and their
//     errors merged into the answer (MergeBatchResponse, ErrorEvent).
//   - Every response whose result has a "tools" array loses the tools the
//     policy denies (FilterToolsList), whatever request it answers: a
//     stream may replay or carry responses to requests the gateway never
//     saw. Only that message changes, and within it only the removed
//     array elements (and a "cacheScope":"public" hint, which becomes
//     "private": the list now depends on the caller).
//   - The 2024-11-05 endpoint event's URI becomes a path through the
//     gateway (Endpoint.Rewrite); a URI to another host is refused.
//
// Everything else passes byte for byte and without delay: other messages,
// unknown members, whitespace, every SSE field (id, event, retry, comments,
// empty priming events) and line terminator. A Stream holds an event back
// only while it may be a tools/list response it must filter (with a
// policy: until the event shows a "method" or ends an object without
// result.tools), or the endpoint event; with nothing to watch it does not
// even look at the bytes.
//
// Request ids must be unique where a response is matched by them: a batch
// whose requests repeat an id, and a 2024-11-05 request reusing the id of
// one still pending in its session (Tracker.Add), are refused
// (ErrDuplicateID).
//
// # Performance
//
// JSON is read by a small validating scanner (json.go) that finds members
// without decoding; strings alias the input unless they have escapes.
// Inspect, Policy.Allows, FilterToolsList, Outcome, CheckOrigin and Stream
// (per event, in steady state) do not allocate.
package mcp
