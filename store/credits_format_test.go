package store

import (
	"math"
	"testing"
)

// TestFormatCreditsIsExact: amounts are shown to people as decimals with no
// float rounding, including the extremes of int64.
func TestFormatCreditsIsExact(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want string
	}{
		{0, "0"}, {1, "0.000001"}, {-1, "-0.000001"}, {12_500_000, "12.5"}, {1_000_000, "1"},
		{1_234_567, "1.234567"}, {-3_000_000, "-3"}, {100_010_000, "100.01"},
		{math.MaxInt64, "9223372036854.775807"}, {math.MinInt64, "-9223372036854.775808"},
	} {
		if got := FormatCredits(c.in); got != c.want {
			t.Errorf("FormatCredits(%d) = %q, want %q", c.in, got, c.want)
		}
	}
}
