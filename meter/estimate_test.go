package meter

import (
	"math"
	"testing"
)

// TestEstimate: admission holds input from the body size and output from max_tokens at the dearest applicable prices.
func TestEstimate(t *testing.T) {
	tb := table(t, `
  default_output_tokens: 1000
  models:
    gpt-4o:   {input: 2.5, output: 10, cached_read: 1.25, cached_write: 0, reasoning: 12}
    claude-*: {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75}
    free:     {input: 0, output: 0}
`)
	tests := []struct {
		name      string
		model     string
		body      int
		maxTokens int64
		choices   int64
		want      Estimate
		ok        bool
	}{
		// 4000 bytes → 1000 input tokens at 2.5; 100 output at max(10, 12) = 12.
		{"reasoning dearer than output", "gpt-4o", 4000, 100, 0, Estimate{Credits: 2_500 + 1_200, Input: 1000, Output: 100}, true},
		// 1001 bytes → 251 tokens (rounded up) at max(3, 0.3, 3.75) = 3.75 → 941.25; 1000 default output at 15 → 15000.
		{"no max_tokens uses the default", "claude-opus-4", 1001, 0, 0, Estimate{Credits: 15_942, Input: 251, Output: 1000}, true},
		{"negative max_tokens uses the default", "claude-opus-4", 0, -5, 0, Estimate{Credits: 15_000, Input: 0, Output: 1000}, true},
		{"one byte is one token", "gpt-4o", 1, 1, 0, Estimate{Credits: 15, Input: 1, Output: 1}, true}, // 2.5 + 12 µc = 14.5, rounded up
		{"free model", "free", 4000, 100, 0, Estimate{Credits: 0, Input: 1000, Output: 100}, true},
		{"refused model", "mistral-large", 4000, 100, 0, Estimate{}, false},
		{"negative body", "gpt-4o", -4, 1, 0, Estimate{Credits: 12, Input: 0, Output: 1}, true},
		// n/best_of: every choice may be as long as max_tokens; the prompt is read once.
		{"choices multiply the output", "gpt-4o", 4000, 100, 3, Estimate{Credits: 2_500 + 3*1_200, Input: 1000, Output: 300}, true},
		{"choices multiply the default output", "claude-opus-4", 0, 0, 2, Estimate{Credits: 30_000, Input: 0, Output: 2000}, true},
		{"one choice", "gpt-4o", 4000, 100, 1, Estimate{Credits: 2_500 + 1_200, Input: 1000, Output: 100}, true},
		{"negative choices count as one", "gpt-4o", 4000, 100, -7, Estimate{Credits: 2_500 + 1_200, Input: 1000, Output: 100}, true},
		{"choices are capped", "gpt-4o", 0, 1, 1 << 40, Estimate{Credits: 12 * MaxChoices, Input: 0, Output: MaxChoices}, true},
		{"huge max_tokens saturates", "gpt-4o", 0, math.MaxInt64, 0, Estimate{Credits: MaxCost, Input: 0, Output: math.MaxInt64}, true},
	}
	for _, tc := range tests {
		got, ok := tb.Estimate(tc.model, tc.body, tc.maxTokens, tc.choices)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Estimate(%q, %d, %d, %d) = %+v, %v; want %+v, %v", tc.name, tc.model, tc.body, tc.maxTokens, tc.choices, got, ok, tc.want, tc.ok)
		}
	}
}

// TestEstimateCoversTheCostOfTheSameTokens: whatever mix of kinds the response reports, the hold for those counts covers it.
func TestEstimateCoversTheCostOfTheSameTokens(t *testing.T) {
	tb := table(t, "  models: {m: {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75, reasoning: 20}}\n")
	p, _ := tb.Price("m")
	for _, in := range []int64{1, 17, 1000, 123_457} {
		for _, out := range []int64{1, 99, 4096} {
			e, _ := tb.Estimate("m", int(in*4), out, 1)
			for _, split := range []Tokens{
				{Input: in, Output: out}, {CachedWrite: in, Reasoning: out},
				{Input: in / 2, CachedRead: in - in/2, Output: out / 3, Reasoning: out - out/3},
			} {
				if c := Cost(p, split); c > e.Credits {
					t.Fatalf("in=%d out=%d split %+v costs %d, above the estimate %d", in, out, split, c, e.Credits)
				}
			}
		}
	}
}
