package meter

import (
	"math"
	"testing"

	"github.com/tollgate-dev/tollgate/meter/usage"
)

// TestCostIsExactAndRoundsUpOnce: every µc is charged, and rounding happens on the sum, not per kind.
func TestCostIsExactAndRoundsUpOnce(t *testing.T) {
	gpt4o := ModelPrice{Input: 2_500_000, Output: 10_000_000, CachedRead: 1_250_000, CachedWrite: 0, Reasoning: 10_000_000}
	tests := []struct {
		name string
		p    ModelPrice
		t    Tokens
		want int64
	}{
		{"nothing", gpt4o, Tokens{}, 0},
		{"1M input", gpt4o, Tokens{Input: 1_000_000}, 2_500_000},
		{"one input token", gpt4o, Tokens{Input: 1}, 3}, // 2.5 µc rounds up to 3
		{"disjoint kinds add up", gpt4o, Tokens{Input: 1000, Output: 500, CachedRead: 2000, CachedWrite: 10, Reasoning: 100},
			2_500 + 5_000 + 2_500 + 0 + 1_000},
		// 0.1 credits per 1M tokens is exactly 100000 µc per 1M: 10 tokens cost 1 µc, not 0.9999… or 1.0000…1.
		{"0.1 per 1M is exact", ModelPrice{Input: 100_000}, Tokens{Input: 10}, 1},
		// Three kinds of 0.5 µc each: once on the sum is 2 µc; rounding each kind would charge 3.
		{"round once on the sum", ModelPrice{Input: 500_000, Output: 500_000, CachedRead: 500_000}, Tokens{Input: 1, Output: 1, CachedRead: 1}, 2},
		{"negative counts are zero", gpt4o, Tokens{Input: -1_000_000, Output: 1_000_000}, 10_000_000},
		{"negative prices are zero", ModelPrice{Input: -5, Output: 1_000_000}, Tokens{Input: 1_000_000, Output: 1}, 1},
		// 9.2e18 tokens at 1e12 µc per 1M is 9.2e24 µc: saturates at MaxCost instead of wrapping negative.
		{"overflow saturates", ModelPrice{Input: 1_000_000_000_000}, Tokens{Input: math.MaxInt64}, MaxCost},
		{"every kind at the maximum", ModelPrice{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64},
			Tokens{Input: math.MaxInt64, Output: math.MaxInt64, CachedRead: math.MaxInt64, CachedWrite: math.MaxInt64, Reasoning: math.MaxInt64}, MaxCost},
		// MaxInt64 tokens at 1 µc per 1M: a product past 64 bits, a quotient that still fits.
		{"128-bit product", ModelPrice{Input: 1}, Tokens{Input: math.MaxInt64}, math.MaxInt64/1_000_000 + 1},
		// The reviewer's o1-pro upstream answering 2^53 tokens each way: 6.75e18 µc, capped at 2^50.
		{"absurd usage stops at MaxCost", ModelPrice{Input: 150_000_000, Output: 600_000_000}, Tokens{Input: 1 << 53, Output: 1 << 53}, MaxCost},
		// Usage as package usage clamps it (2^31−1 per kind) at o1-pro prices stays well below MaxCost.
		{"clamped usage is exact", ModelPrice{Input: 150_000_000, Output: 600_000_000}, Tokens{Input: usage.MaxCount, Output: usage.MaxCount}, 750 * usage.MaxCount},
		{"large but exact", ModelPrice{Input: 1_000_000_000_000}, Tokens{Input: 9_000_000}, 9_000_000_000_000},
	}
	for _, tc := range tests {
		if got := Cost(tc.p, tc.t); got != tc.want {
			t.Errorf("%s: Cost = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestCostNeverDecreasesWithMoreTokens: a charge that shrinks as usage grows would be a refund bug.
func TestCostNeverDecreasesWithMoreTokens(t *testing.T) {
	p := ModelPrice{Input: 3_000_000, Output: 15_000_000, CachedRead: 300_000, CachedWrite: 3_750_000, Reasoning: 15_000_000}
	prev := int64(0)
	for n := int64(0); n < 5000; n += 7 {
		c := Cost(p, Tokens{Input: n, Output: n / 3, CachedRead: n * 2, CachedWrite: n / 5, Reasoning: n / 11})
		if c < prev {
			t.Fatalf("cost fell from %d to %d at n=%d", prev, c, n)
		}
		prev = c
	}
}
