package store

import (
	"testing"
	"time"
)

// TestPeriodStart: periods run from the anchor day to the same day next
// month, in UTC, across year ends.
func TestPeriodStart(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		at     string
		anchor int
		want   string
	}{
		{"2026-11-25T14:00:00Z", 0, "2026-11-01T00:00:00Z"},
		{"2026-11-01T00:00:00Z", 1, "2026-11-01T00:00:00Z"},
		{"2026-10-31T23:59:59Z", 1, "2026-10-01T00:00:00Z"},
		{"2026-11-25T14:00:00Z", 15, "2026-11-15T00:00:00Z"},
		{"2026-11-14T23:59:59Z", 15, "2026-10-15T00:00:00Z"},
		{"2027-01-03T00:00:00Z", 15, "2026-12-15T00:00:00Z"},
		{"2026-03-01T00:00:00+02:00", 1, "2026-02-01T00:00:00Z"}, // 22:00 UTC on Feb 28
	} {
		if got := PeriodStart(d(c.at), c.anchor); !got.Equal(d(c.want)) {
			t.Errorf("PeriodStart(%s, %d) = %s, want %s", c.at, c.anchor, got, c.want)
		}
	}
	if got := PeriodEnd(d("2026-12-15T00:00:00Z")); !got.Equal(d("2027-01-15T00:00:00Z")) {
		t.Errorf("PeriodEnd = %s", got)
	}
}
