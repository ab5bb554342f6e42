package usage

// openAINames are the keys of one OpenAI usage object shape.
type openAINames struct{ in, out, inDetails, outDetails string }

var (
	chatNames      = openAINames{"prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"}
	responsesNames = openAINames{"input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details"}
)

// openAIUsage reads an OpenAI usage object (chat, completions, embeddings
// or responses, by names): cached tokens are part of the input total and
// reasoning tokens part of the output total.
func openAIUsage(v []byte, n *openAINames) Tokens {
	var in, cached, out, reasoning int64
	var buf nameBuf
	for m := newMembers(v, 0, 1); m.next(); {
		switch k := name(m.key, &buf); {
		case string(k) == n.in:
			in = count(m.val())
		case string(k) == n.out:
			out = count(m.val())
		case string(k) == n.inDetails:
			cached = count(member(m.val(), "cached_tokens"))
		case string(k) == n.outDetails:
			reasoning = count(member(m.val(), "reasoning_tokens"))
		}
	}
	return openAITokens(in, cached, out, reasoning)
}

// anthropicCounts are the counts of an Anthropic usage object, which are
// disjoint already, and which of them were numbers.
type anthropicCounts struct {
	in, out, cacheWrite, cacheRead   int64
	hasIn, hasOut, hasWrite, hasRead bool
}

// anthropicUsage reads an Anthropic usage object. Thinking tokens are part
// of output_tokens, so Reasoning stays 0.
func anthropicUsage(v []byte) (c anthropicCounts) {
	var buf nameBuf
	for m := newMembers(v, 0, 1); m.next(); {
		val := m.val()
		n, num := count(val), val[0] == '-' || isDigit(val[0])
		switch string(name(m.key, &buf)) {
		case "input_tokens":
			c.in, c.hasIn = n, num
		case "output_tokens":
			c.out, c.hasOut = n, num
		case "cache_creation_input_tokens":
			c.cacheWrite, c.hasWrite = n, num
		case "cache_read_input_tokens":
			c.cacheRead, c.hasRead = n, num
		}
	}
	return c
}

// tokens returns the counts as Tokens.
func (c *anthropicCounts) tokens() Tokens {
	return Tokens{Input: c.in, Output: c.out, CachedWrite: c.cacheWrite, CachedRead: c.cacheRead}
}

// mergeDelta folds a message_delta's usage into t. Its counts are
// cumulative totals for the message, so a count replaces the one from
// message_start (or an earlier delta) and is never added to it. Taking the
// larger of the two keeps a delta that reports 0 for a count it does not
// track (as some Anthropic-compatible upstreams do) from erasing the
// message_start value; for Anthropic itself the larger is the later.
func (c *anthropicCounts) mergeDelta(t *Tokens) {
	if c.hasIn {
		t.Input = max(t.Input, c.in)
	}
	if c.hasOut {
		t.Output = max(t.Output, c.out)
	}
	if c.hasWrite {
		t.CachedWrite = max(t.CachedWrite, c.cacheWrite)
	}
	if c.hasRead {
		t.CachedRead = max(t.CachedRead, c.cacheRead)
	}
}

// usageOf reads the usage object v of a response in format f; ok is false
// when f has no usage.
func usageOf(f Format, v []byte) (t Tokens, ok bool) {
	switch f {
	case OpenAIChat, OpenAIEmbeddings:
		return openAIUsage(v, &chatNames), true
	case OpenAIResponses:
		return openAIUsage(v, &responsesNames), true
	case AnthropicMessages:
		c := anthropicUsage(v)
		return c.tokens(), true
	}
	return Tokens{}, false
}
