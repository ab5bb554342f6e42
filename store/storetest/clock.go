package storetest

import (
	"sync"
	"time"
)

// FakeClock is a settable clock for tests. Its zero value reads the zero
// time; NewFakeClock starts it at a fixed instant. It is safe for concurrent
// use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Start is the instant the suite's clocks start at: a whole minute, so it is
// also the start of a limiter bucket.
var Start = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// NewFakeClock returns a clock that reads t until it is moved.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, forwards or backwards.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d and returns the new time.
func (c *FakeClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
