// Command upstream is the benchmark's mock upstream: a fasthttp server over
// keep-alive connections that plays an LLM provider and an MCP server.
//
// As the LLM provider (every path but the two below) it answers every
// request with 200 OK and either a fixed chat-completion-like JSON body of
// about 300 bytes, or, when the request asks for a stream ("stream":true in
// its body, as an OpenAI client sends it), a server-sent event stream of
// -events chat-completion chunks (200 by default, about 41 KB) whose last
// chunk carries the usage, then "data: [DONE]". The stream is written in
// groups of -flush events, each group one write and one flush, so a proxy in
// front of it sees many reads per response as it would from a real provider.
//
// As the MCP server (Streamable HTTP, protocol revision 2025-06-18) it
// answers POSTed JSON-RPC requests under /mcp with JSON and under /mcp-sse
// with an event stream of one `message` event: tools/call with a small
// result (about 130 bytes), initialize (with an Mcp-Session-Id), tools/list
// (one tool, "lookup") and ping; other methods get a JSON-RPC error,
// notifications 202, GET 405 and DELETE 204. It keeps no session state, so
// every call costs it the same.
//
// Usage:
//
//	upstream -addr 127.0.0.1:18080 [-events 200] [-flush 10]
package main
