package limiter

import (
	"testing"
	"time"
)

var epoch = time.Unix(1_800_000_000, 0) // a multiple of BucketWidth

// TestCounterNeverExceedsLimitInAnyMinute drives the adversarial pattern that
// lets fixed windows and GCRA(burst=rate) admit ~2x: a full burst at the end
// of one window, then steady pressure into the next. Every sliding minute
// must hold at most the limit.
func TestCounterNeverExceedsLimitInAnyMinute(t *testing.T) {
	const limit = 120
	var c Counter
	var admitted []time.Time
	now := epoch.Add(Window - time.Millisecond)
	for step := 0; step < 4000; step++ {
		n, _ := c.Count(now)
		if n+1 <= limit {
			c.Add(now)
			admitted = append(admitted, now)
		}
		now = now.Add(37 * time.Millisecond)
	}
	for i := range admitted {
		j := i
		for j < len(admitted) && admitted[j].Sub(admitted[i]) < Window {
			j++
		}
		if j-i > limit {
			t.Fatalf("%d requests admitted within one minute starting %v; limit %d", j-i, admitted[i].Sub(epoch), limit)
		}
	}
	if len(admitted) < limit*2 {
		t.Fatalf("only %d admitted over %v: the window never slides", len(admitted), now.Sub(epoch))
	}
}

// TestCounterRetryAfterIsExact checks that a denied request is admitted at
// exactly the Reset the counter reports, and not a nanosecond earlier.
func TestCounterRetryAfterIsExact(t *testing.T) {
	var c Counter
	now := epoch.Add(2 * time.Second)
	for i := 0; i < 3; i++ {
		c.Add(now)
	}
	n, reset := c.Count(now)
	if n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}
	want := BucketWidth - 2*time.Second + Window
	if reset != want {
		t.Fatalf("reset = %v, want %v", reset, want)
	}
	if n, _ := c.Count(now.Add(reset - 1)); n != 3 {
		t.Fatalf("count just before reset = %d, want 3", n)
	}
	if n, _ := c.Count(now.Add(reset)); n != 0 {
		t.Fatalf("count at reset = %d, want 0", n)
	}
}

// TestDecideReportsTightestAndLongestRetry checks how scopes combine.
func TestDecideReportsTightestAndLongestRetry(t *testing.T) {
	var d Decision
	ok := Decide(&d, []Check{
		{Scope: ScopeMember, Limit: 10, Count: 2, Reset: time.Second},
		{Scope: ScopeWorkspace, Limit: 100, Count: 97, Reset: 2 * time.Second},
		{Scope: ScopeKey, Limit: 0, Count: 50},
	})
	if !ok || d.Scope != ScopeWorkspace || d.Remaining != 2 || d.Limit != 100 || d.Reset != 2*time.Second {
		t.Fatalf("allowed decision = %+v", d)
	}
	d.Clear()
	ok = Decide(&d, []Check{
		{Scope: ScopeMember, Limit: 10, Count: 10, Reset: 3 * time.Second},
		{Scope: ScopeWorkspace, Limit: 100, Count: 100, Reset: 9 * time.Second},
	})
	if ok || d.Outcome != Limited || d.Scope != ScopeWorkspace || d.RetryAfter != 9*time.Second {
		t.Fatalf("denied decision = %+v", d)
	}
}

func BenchmarkCounter(b *testing.B) {
	b.ReportAllocs()
	var c Counter
	now := epoch
	for i := 0; i < b.N; i++ {
		c.Count(now)
		c.Add(now)
		now = now.Add(time.Millisecond)
	}
}

// TestCounterAddNAndCorrect: tokens are counted in the bucket AddN names,
// a settlement's correction lands in that bucket while the counter still
// holds it, never takes it below zero, and is dropped once the slot moved on.
func TestCounterAddNAndCorrect(t *testing.T) {
	var c Counter
	now := epoch.Add(time.Second)
	b := c.AddN(now, 500)
	if b != BucketOf(now) {
		t.Fatalf("AddN returned bucket %d, want %d", b, BucketOf(now))
	}
	c.AddN(now.Add(BucketWidth), 100)
	c.Correct(b, -300)
	if n, _ := c.Count(now.Add(BucketWidth)); n != 300 {
		t.Fatalf("count after correction = %d, want 300", n)
	}
	c.Correct(b, -1000)
	if n, _ := c.Count(now.Add(BucketWidth)); n != 100 {
		t.Fatalf("count after over-correction = %d, want 100 (bucket floored at 0)", n)
	}
	later := now.Add(time.Duration(Buckets+1) * BucketWidth)
	c.AddN(later, 7) // reuses b's slot
	c.Correct(b, 1000)
	if n, _ := c.Count(later); n != 107 {
		t.Fatalf("count after correcting a reused slot = %d, want 107 (100 still in view, 7 new)", n)
	}
}
