package usage

// Tokens are the token counts of one response in disjoint categories, so
// that cost is the sum over categories of count × the category's price.
// The zero value is no usage. Counts are never negative; each provider count
// read from a response is capped at MaxCount, so sums cannot overflow.
type Tokens struct {
	Input       int64 // uncached input (prompt) tokens
	Output      int64 // output tokens, excluding Reasoning
	CachedRead  int64 // input tokens read from a prompt cache
	CachedWrite int64 // input tokens written to a prompt cache
	Reasoning   int64 // reasoning (thinking) tokens, billed as output but reported apart
}

// MaxCount is the largest token count taken from a response for one
// category (2^31 − 1, store.MaxSettlementTokens). A larger number is read
// as MaxCount: it can only come from a broken or hostile upstream, and the
// cap keeps every sum of counts, and their cost, far from overflowing, so
// the store never refuses a settlement for its tokens.
const MaxCount = 1<<31 - 1

// Total returns the number of tokens in all categories.
func (t Tokens) Total() int64 { return t.InputTotal() + t.OutputTotal() }

// InputTotal returns the input tokens: Input + CachedRead + CachedWrite.
func (t Tokens) InputTotal() int64 { return t.Input + t.CachedRead + t.CachedWrite }

// OutputTotal returns the output tokens: Output + Reasoning.
func (t Tokens) OutputTotal() int64 { return t.Output + t.Reasoning }

// openAITokens splits OpenAI's totals into disjoint categories. OpenAI
// reports cached tokens as part of the input and reasoning tokens as part of
// the output; a part larger than its total (a broken upstream) is cut to
// the total so that no category goes negative.
func openAITokens(in, cached, out, reasoning int64) Tokens {
	cached = min(cached, in)
	reasoning = min(reasoning, out)
	return Tokens{Input: in - cached, CachedRead: cached, Output: out - reasoning, Reasoning: reasoning}
}
