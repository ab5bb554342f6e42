// Command upstream is the benchmark's mock LLM provider: a fasthttp server
// that answers every request with 200 OK and a fixed chat-completion-like
// JSON body of about 300 bytes, over keep-alive connections.
//
// Usage:
//
//	upstream -addr 127.0.0.1:18080
package main
