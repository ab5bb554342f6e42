package meter

import (
	"math/bits"

	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/tollgate-dev/tollgate/store"
)

// Tokens counts the tokens of one response by kind, as package usage reads
// them. The kinds are disjoint: Input excludes the cached reads and writes,
// Output excludes Reasoning, so a cost is the plain sum of each count at its
// price.
type Tokens = usage.Tokens

// MaxCost is the largest cost of one request, in µc (2^50, about 1.1e9
// credits, store.MaxSettlementCost): Cost saturates at it, so that the
// store never refuses a settlement for its cost and no sum overflows.
const MaxCost = store.MaxSettlementCost

// Cost returns what t costs at p, in µc: the sum of each kind's tokens at its
// price per 1M tokens, rounded up to a whole µc once, on the sum. It computes
// in 128 bits, so no product overflows; a cost above MaxCost is MaxCost
// (the Settler logs such a settlement). Negative counts and prices count as
// zero.
func Cost(p ModelPrice, t Tokens) int64 {
	var s sum
	s.add(t.Input, p.Input)
	s.add(t.Output, p.Output)
	s.add(t.CachedRead, p.CachedRead)
	s.add(t.CachedWrite, p.CachedWrite)
	s.add(t.Reasoning, p.Reasoning)
	return s.perMillionUp()
}

// sum is an unsigned 128-bit accumulator of token × price products. over
// records a carry out of the top word: the sum then exceeds every int64.
type sum struct {
	hi, lo uint64
	over   bool
}

// add adds n × price; a negative factor adds nothing.
func (s *sum) add(n, price int64) {
	if n <= 0 || price <= 0 {
		return
	}
	h, l := bits.Mul64(uint64(n), uint64(price))
	var c uint64
	s.lo, c = bits.Add64(s.lo, l, 0)
	s.hi, c = bits.Add64(s.hi, h, c)
	s.over = s.over || c != 0
}

// perMillionUp returns ceil(sum / 1e6), saturated at MaxCost.
func (s *sum) perMillionUp() int64 {
	const million = 1_000_000
	if s.over || s.hi >= million { // the quotient would not fit in 64 bits
		return MaxCost
	}
	q, r := bits.Div64(s.hi, s.lo, million)
	if r != 0 {
		q++
	}
	return int64(min(q, MaxCost))
}
