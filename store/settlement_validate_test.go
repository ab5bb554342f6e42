package store

import (
	"errors"
	"strings"
	"testing"
)

// TestSettlementValidateNamesTheProblem: both stores refuse the same bad
// settlements with ErrInvalidSettlement and a message naming what is wrong.
func TestSettlementValidateNamesTheProblem(t *testing.T) {
	ok := func() *Settlement { return &Settlement{Workspace: "w", RequestID: "r", Cost: 5} }
	for _, c := range []struct {
		want string
		edit func(*Settlement)
	}{
		{"no workspace", func(s *Settlement) { s.Workspace = "" }},
		{"request id of 257 bytes", func(s *Settlement) { s.RequestID = strings.Repeat("x", 257) }},
		{"negative cost", func(s *Settlement) { s.Cost = -1 }},
		{"above the maximum", func(s *Settlement) { s.Cost = MaxSettlementCost + 1 }},
		{"negative cached read tokens", func(s *Settlement) { s.Record.Tokens.CachedRead = -1 }},
		{"reasoning tokens above", func(s *Settlement) { s.Record.Tokens.Reasoning = MaxSettlementTokens + 1 }},
	} {
		s := ok()
		c.edit(s)
		if err := s.Validate(); !errors.Is(err, ErrInvalidSettlement) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v", c.want, err)
		}
	}
	if err := ok().Validate(); err != nil {
		t.Errorf("a good settlement: %v", err)
	}
	if err := (*Settlement)(nil).Validate(); !errors.Is(err, ErrInvalidSettlement) {
		t.Errorf("nil: %v", err)
	}
}
