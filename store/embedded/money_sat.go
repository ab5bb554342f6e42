package embedded

import "math"

// addSat returns a + b saturated to [math.MinInt64, math.MaxInt64]. Every
// sum of money or tokens a settlement adds to (balance, caps' spend,
// roll-ups, ledger rows) goes through it: settlements are bounded
// (store.MaxSettlementCost, store.MaxSettlementTokens), but their sums over
// a store's life are not, and a wrapped balance would hand out credits.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// subSat returns a − b saturated as addSat.
func subSat(a, b int64) int64 {
	if b == math.MinInt64 {
		return addSat(addSat(a, math.MaxInt64), 1)
	}
	return addSat(a, -b)
}
