package store

import "fmt"

// MaxRequestID is the longest Settlement.RequestID a store accepts, in bytes.
const MaxRequestID = 256

// Validate refuses a settlement no store can record: nil, without a
// workspace, with a request id longer than MaxRequestID, a negative cost or
// one above MaxSettlementCost, or a token count that is negative or above
// MaxSettlementTokens. The error wraps ErrInvalidSettlement and names the
// problem. Backends add checks of their own encoding.
func (s *Settlement) Validate() error {
	if s == nil {
		return fmt.Errorf("%w: settlement is nil", ErrInvalidSettlement)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: settlement of request %q: %s", ErrInvalidSettlement, s.RequestID, fmt.Sprintf(format, args...))
	}
	switch {
	case s.Workspace == "":
		return bad("no workspace")
	case len(s.RequestID) > MaxRequestID:
		return bad("request id of %d bytes: want at most %d", len(s.RequestID), MaxRequestID)
	case s.Cost < 0:
		return bad("negative cost %d µc", s.Cost)
	case s.Cost > MaxSettlementCost:
		return bad("cost %d µc above the maximum %d", s.Cost, MaxSettlementCost)
	}
	t := s.Record.Tokens
	for _, c := range [...]struct {
		what string
		n    int64
	}{{"input", t.Input}, {"output", t.Output}, {"cached read", t.CachedRead}, {"cached write", t.CachedWrite}, {"reasoning", t.Reasoning}} {
		if c.n < 0 {
			return bad("negative %s tokens %d", c.what, c.n)
		}
		if c.n > MaxSettlementTokens {
			return bad("%d %s tokens above the maximum %d", c.n, c.what, MaxSettlementTokens)
		}
	}
	return nil
}
