// Package gateway is Tollgate's data plane: a fasthttp server that checks the
// caller's token, makes one admission decision, and proxies the request to
// the workspace's upstream with the upstream's own credential.
//
// # Request path
//
// For each request, in this order:
//
//  1. The credential is taken from Authorization (Bearer), x-api-key or
//     api-key and parsed (token.Parse). A missing or malformed token, or an
//     operator token, is refused with 401 without touching the store.
//  2. The first path segment names the upstream: /{upstream}/{rest}. A name
//     outside [A-Za-z0-9._-]{1,64} is refused with 404, a rest with dot
//     segments with 400.
//  3. One Admitter.Admit call decides (the only store round trip in the
//     steady state). The request carries whether the name is one of the
//     operator's public upstreams, from a snapshot refreshed every
//     Config.PublicRefresh off the request path (public.go: that interval is
//     the staleness bound), and the top-level "model" of a JSON body, found
//     by an allocation-free scan (model.go) for per-model key limits. Every refusal, here and anywhere else, goes through one
//     function (fail) that sets the status and an OpenAI-shaped JSON error
//     body naming the limit.
//  4. The upstream's configuration is cached per (workspace, name), a
//     public one under store.PublicWorkspace at the snapshot's revision, and reloaded
//     through Upstreams.GetUpstream only when the decision carries a newer
//     upstream revision.
//  5. The request is proxied with a fasthttp.HostClient per upstream:
//     hop-by-hop headers and the client's credential headers are removed
//     before the upstream's credential is added, and the upstream's own Host
//     is sent. Status, headers and body come back unchanged, except
//     hop-by-hop headers, and rate-limit headers added when a limit applied.
//
// # Metering
//
// With a Settler (Deps.Settler), each request gets an id unique across
// replicas (requestid.go) and, when its body names a model, an estimate
// from the price table in force (Deps.Prices), held by the admission call;
// a model the table refuses is answered 400 unknown_model before any store
// call (metering.go). A streamed OpenAI chat request that does not ask for
// usage is rewritten to ask, and the usage chunk is removed from what the
// client sees. The response body's usage is read as it passes (tap.go) and
// at its end exactly one settlement per admitted request goes to the
// Settler (settle.go), also when the gateway answered after admission, the
// upstream broke off or the client left; a client that leaves mid-response
// does not stop the reading, which goes on in the background within
// Config.DrainTimeout and DrainBytes (drain.go). ARCHITECTURE.md, section
// Metering, says what is charged when no usage can be read.
//
// # MCP
//
// Requests to an upstream of kind mcp take their own path (mcp*.go), for
// every transport revision at once (Streamable HTTP 2025-03-26 to
// 2026-07-28, and the 2024-11-05 HTTP+SSE transport): bodies, status codes,
// Mcp-* headers and every SSE field pass as they are, except where a
// policy or the transport demands a change. A browser Origin not in
// Config.MCPAllowedOrigins is refused with 403. A POSTed body is read with
// mcp.Inspect (single messages and batches; one it cannot read gets 400 and
// a JSON-RPC error, as do Mcp-Method/Mcp-Name headers that disagree with
// it). The tool policies of the caller's workspace and upstream, narrowed
// for its role or key, are cached per upstream revision (a policy write
// bumps it); a denied tools/call is answered by the gateway with a JSON-RPC
// error naming the policy (status 200, or on the GET stream of a
// 2024-11-05 session), a batch is forwarded less its denied messages and
// the errors merged into the answer, and tools/list results lose the
// denied tools. Every tools/call is one settlement with its tool, outcome
// and the price table's price, all of a request's calls held at admission;
// GET streams go through a client whose connections have no idle timeout
// (Config.MCPStreamIdleTimeout), and the 2024-11-05 endpoint event is
// rewritten to a path through the gateway.
//
// Open MCP SSE streams (GET streams and SSE answers to POSTs) are
// registered per workspace, token and member: the store's revocation feed
// closes a revoked token's streams at once, and every Config.StreamRecheck
// each stream's token is re-read (a lost message) and its client probed (a
// client that left a silent stream). See revoke.go.
//
// # Timeouts
//
// There is no total deadline on a proxied request, so long streams are never
// cut for their length. Instead each upstream connection sets a read deadline
// before every Read: FirstByteTimeout for the first read after a request was
// written, IdleTimeout for every other read (see conn.go). Failing to connect
// gives 502, waiting too long for the response headers 504.
//
// # Streams
//
// text/event-stream responses and responses of unknown length are passed to
// the client chunk by chunk as they are read from the upstream, with headers
// flushed at once, X-Accel-Buffering: no, and never compressed (see
// stream.go).
//
// # Concurrency
//
// A Gateway is safe for concurrent use. Its request path allocates nothing of
// its own in the steady state; see BenchmarkHotPath.
package gateway
