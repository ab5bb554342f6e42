package meter

import "math"

// Estimate is what admission holds for a request before its response is
// known: an upper bound of its cost and tokens.
type Estimate struct {
	Credits int64 // µc
	Input   int64 // tokens
	Output  int64 // tokens
}

// MaxChoices bounds the choices an estimate multiplies the output by:
// OpenAI's largest n. A request asking for more is held as if it asked for
// MaxChoices (the upstream refuses it or settlement charges what it used).
const MaxChoices = 128

// Estimate returns what to hold for a request to model with a body of
// bodyBytes bytes that asks for choices completions (OpenAI's n, or
// best_of, which the upstream generates and bills in full) of at most
// maxTokens output tokens each; choices below 1 count as 1, above
// MaxChoices as MaxChoices. Input is
// ceil(bodyBytes/4): English text takes about four bytes a token and the
// JSON around the prompt counts too, so it errs high for most requests (not
// for all: some scripts take more tokens per byte; settlement charges the
// real count), read once whatever the choices. Output is maxTokens, or the
// table's default_output_tokens when maxTokens <= 0, times the choices
// (saturating).
// Credits prices the input at the dearest of the input, cached read and
// cached write prices (an input token may turn out to be a cache write) and
// the output at the dearer of the output and reasoning prices, rounded up.
//
// ok is false when the model is refused. On a nil Table (metering off) the
// estimate is zero and ok is true. It does not allocate.
func (t *Table) Estimate(model string, bodyBytes int, maxTokens, choices int64) (Estimate, bool) {
	p, ok := t.Price(model)
	if !ok {
		return Estimate{}, false
	}
	return t.EstimateAt(p, bodyBytes, maxTokens, choices), true
}

// EstimateAt is Estimate for a model whose price p the caller already has
// from Price, so the request path looks the model up once. On a nil Table
// it is zero.
func (t *Table) EstimateAt(p ModelPrice, bodyBytes int, maxTokens, choices int64) Estimate {
	if t == nil {
		return Estimate{}
	}
	n := int64(max(bodyBytes, 0))
	e := Estimate{Input: n / 4, Output: maxTokens}
	if n%4 != 0 {
		e.Input++
	}
	if e.Output <= 0 {
		e.Output = t.defaultOutput
	}
	if c := min(max(choices, 1), MaxChoices); e.Output > math.MaxInt64/c {
		e.Output = math.MaxInt64
	} else {
		e.Output *= c
	}
	var s sum
	s.add(e.Input, max(p.Input, p.CachedRead, p.CachedWrite))
	s.add(e.Output, max(p.Output, p.Reasoning))
	e.Credits = s.perMillionUp()
	return e
}
