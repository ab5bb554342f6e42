package store

import "time"

// PeriodStart returns the start of the billing period that holds t: the
// last midnight UTC on day anchor of a month that is not after t. Anchor is
// a day of the month, 1 to 28; 0 means 1 (calendar months). Monthly caps are
// counted per period and keyed by its start, so a new period is a new
// counter and no reset job races with spending (LiteLLM #8364, #24675).
func PeriodStart(t time.Time, anchor int) time.Time {
	if anchor <= 0 {
		anchor = 1
	}
	t = t.UTC()
	y, m, d := t.Date()
	if d < anchor {
		m--
	}
	return time.Date(y, m, anchor, 0, 0, 0, 0, time.UTC)
}

// PeriodEnd returns the start of the period after the one that starts at
// start (as PeriodStart returned it).
func PeriodEnd(start time.Time) time.Time { return start.AddDate(0, 1, 0) }
