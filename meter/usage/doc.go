// Package usage reads exact LLM token usage from provider responses as the
// gateway proxies them: whole JSON bodies (ParseJSON) and server-sent event
// streams (Stream), incrementally and without a copy of the body. It also
// rewrites streamed OpenAI chat requests so that the upstream reports usage
// (InjectIncludeUsage), and removes from the client's stream what that
// added (Stream in strip mode). It depends on no other Tollgate package.
//
// # Normalisation
//
// Tokens has disjoint categories, so that cost is Σ category × its price.
// Each provider's fields map to them as follows (a missing field is 0):
//
//	format             provider field                                     category
//	OpenAI chat        usage.prompt_tokens − cached                         Input
//	(and completions)  usage.prompt_tokens_details.cached_tokens            CachedRead
//	                   usage.completion_tokens − reasoning                  Output
//	                   usage.completion_tokens_details.reasoning_tokens     Reasoning
//	OpenAI responses   usage.input_tokens − cached                          Input
//	                   usage.input_tokens_details.cached_tokens             CachedRead
//	                   usage.output_tokens − reasoning                      Output
//	                   usage.output_tokens_details.reasoning_tokens         Reasoning
//	OpenAI embeddings  usage.prompt_tokens                                  Input
//	Anthropic messages usage.input_tokens (excludes cache tokens)           Input
//	                   usage.cache_read_input_tokens                        CachedRead
//	                   usage.cache_creation_input_tokens                    CachedWrite
//	                   usage.output_tokens (includes thinking)              Output
//
// total_tokens is ignored everywhere. A part larger than its OpenAI total
// (cached > prompt, reasoning > completion) is cut to the total. A count is
// a JSON number truncated toward zero and clamped to [0, MaxCount]; any
// other value counts 0. When a key repeats, its last occurrence counts, as
// with encoding/json.
//
// Where usage is in a stream:
//
//   - OpenAI chat: a "usage" object in any chunk, including one that also
//     has choices; the last non-null one wins (they are totals, never
//     summed). "data: [DONE]" completes the stream.
//   - OpenAI responses: response.usage of the response.* events, in
//     practice response.completed; response.completed, response.incomplete
//     and response.failed complete the stream.
//   - Anthropic messages: message_start's message.usage gives input, cache
//     and a provisional output count; message_delta's usage carries
//     cumulative totals, so each count it has replaces the earlier one (the
//     larger is kept) and is never added; message_stop completes the
//     stream.
//
// An error is a non-null top-level "error" member, a top-level
// "type":"error", an `event: error`, or a failed Responses response.
//
// # Performance
//
// Event data is read by a small validating JSON scanner (scan.go) that finds
// the few members metering needs without decoding anything; it accepts
// exactly what encoding/json accepts. A Stream does not allocate per event
// in steady state; its memory is bounded by MaxEvent.
package usage
