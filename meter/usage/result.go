package usage

// Result is what one response said about its usage. The zero value is a
// response not yet seen.
type Result struct {
	Tokens Tokens
	// Found reports that a usage object was seen.
	Found bool
	// Complete reports that the response's terminal marker was seen: a JSON
	// body parsed whole; "data: [DONE]" (OpenAI chat); message_stop
	// (Anthropic); response.completed, response.incomplete or response.failed
	// (OpenAI Responses).
	Complete bool
	// Errored reports that an error was seen: a non-null top-level "error"
	// member, a top-level "type":"error", an `event: error` or, for the
	// Responses API, a failed response.
	Errored bool
	// Oversized reports that an event larger than MaxEvent was passed
	// through unparsed, so usage it may have carried is missing.
	Oversized bool
	// Model is the response's model when present (the first one a stream
	// names).
	Model string
}
