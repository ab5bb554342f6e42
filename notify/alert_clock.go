package notify

import "time"

// Clock is a Dispatcher's source of time: Now stamps events, signatures and
// deliveries, and After waits out a retry's backoff. Tests pass a fake whose
// After channels they fire by hand, so no test sleeps. Implementations are
// safe for concurrent use.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed. An
	// abandoned channel must not leak (the Dispatcher stops waiting at
	// Close).
	After(d time.Duration) <-chan time.Time
}

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) } // unreferenced timers are collected (Go ≥ 1.23)
