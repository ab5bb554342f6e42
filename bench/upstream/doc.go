// Command upstream is the benchmark's mock LLM provider: a fasthttp server
// over keep-alive connections that answers every request with 200 OK and
// either a fixed chat-completion-like JSON body of about 300 bytes, or, when
// the request asks for a stream ("stream":true in its body, as an OpenAI
// client sends it), a server-sent event stream of -events chat-completion
// chunks (200 by default, about 41 KB) whose last chunk carries the usage,
// then "data: [DONE]". The stream is written in groups of -flush events,
// each group one write and one flush, so a proxy in front of it sees many
// reads per response as it would from a real provider.
//
// Usage:
//
//	upstream -addr 127.0.0.1:18080 [-events 200] [-flush 10]
package main
