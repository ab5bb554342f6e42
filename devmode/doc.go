// Package devmode provides the demo upstreams that `tollgate serve --dev`
// starts next to the gateway: an OpenAI-compatible chat completions server
// and a small MCP server over Streamable HTTP.
//
// Both are plain net/http handlers on their own loopback listeners; they are
// not on the gateway's hot path. Both answer deterministically, so a demo or
// an end-to-end test sees the same bytes every time, and both require a demo
// credential in `Authorization: Bearer <credential>`, so the gateway's
// credential injection is exercised: a request that carries the client's
// token instead of the upstream's credential is refused with 401.
package devmode
