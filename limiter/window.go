package limiter

import "time"

// Window geometry shared by every store. The Redis script uses the same
// numbers; changing them changes stored state and both must move together.
const (
	Window      = time.Minute
	Buckets     = 12
	BucketWidth = Window / Buckets // 5 s
)

// DefaultMemberRPM is the default requests per minute of a member token.
const DefaultMemberRPM = 120

// Counter is the in-process form of one sliding-window rate limit: Buckets+1
// slots, each tagged with the absolute bucket number it counts. The zero
// value is an empty counter. A Counter is not safe for concurrent use; the
// embedded store guards it with the workspace lock.
type Counter struct {
	slot [Buckets + 1]struct {
		bucket int64
		n      int64
	}
}

// BucketOf returns the absolute bucket number of t.
func BucketOf(t time.Time) int64 { return t.UnixNano() / int64(BucketWidth) }

// Count returns the admitted requests in every bucket that overlaps the minute
// ending at now, and how long until the oldest non-empty one of them leaves
// view (when all are empty: until the current bucket would).
func (c *Counter) Count(now time.Time) (n int64, reset time.Duration) {
	cur := BucketOf(now)
	oldest := int64(-1)
	for i := range c.slot {
		s := &c.slot[i]
		if s.n == 0 || s.bucket < cur-Buckets || s.bucket > cur {
			continue
		}
		n += s.n
		if oldest < 0 || s.bucket < oldest {
			oldest = s.bucket
		}
	}
	if oldest < 0 {
		oldest = cur
	}
	return n, ResetAfter(now, oldest)
}

// Add counts one admitted request at now.
func (c *Counter) Add(now time.Time) { c.AddN(now, 1) }

// AddN counts n at now in the bucket of now: n requests or, for a token
// limit, n tokens. It returns that bucket's number, which Correct takes.
func (c *Counter) AddN(now time.Time, n int64) int64 {
	cur := BucketOf(now)
	s := &c.slot[cur%(Buckets+1)]
	if s.bucket != cur {
		s.bucket, s.n = cur, 0
	}
	s.n += n
	return cur
}

// Correct adds delta, of either sign, to bucket b if the counter still holds
// it (its slot was not reused by a later bucket), never taking the bucket
// below 0; otherwise it does nothing. Token limits use it at settlement to
// replace the tokens held at admission by the actual ones.
func (c *Counter) Correct(b, delta int64) {
	s := &c.slot[b%(Buckets+1)]
	if s.bucket != b || b < 0 {
		return
	}
	s.n = max(s.n+delta, 0)
}

// ResetAfter returns how long after now bucket b stops overlapping the
// trailing minute: its end plus one Window.
func ResetAfter(now time.Time, b int64) time.Duration {
	end := time.Duration((b+1)*int64(BucketWidth)) + Window
	d := end - time.Duration(now.UnixNano())
	if d < 0 {
		return 0
	}
	return d
}

// Check is one limit's state at decision time, used to combine scopes.
type Check struct {
	Scope Scope
	Limit int64         // 0 means the limit is off
	Count int64         // admitted in view, before this request
	Reset time.Duration // until Count next falls (see Counter.Count)
}

// Decide combines the checks of every applicable limit into d: if any is
// exhausted d becomes Limited with the longest retry; otherwise d stays
// Allowed and reports the tightest limit with this request counted.
// It returns whether the request is admitted.
func Decide(d *Decision, checks []Check) bool {
	allowed := true
	for _, c := range checks {
		if c.Limit <= 0 {
			continue
		}
		if c.Count+1 > c.Limit {
			if allowed || c.Reset > d.RetryAfter {
				d.Outcome, d.Scope, d.Limit, d.Remaining = Limited, c.Scope, c.Limit, 0
				d.Reset, d.RetryAfter = c.Reset, c.Reset
			}
			allowed = false
			continue
		}
		if !allowed {
			continue
		}
		rem := c.Limit - c.Count - 1
		if d.Scope == ScopeNone || rem < d.Remaining {
			d.Scope, d.Limit, d.Remaining, d.Reset = c.Scope, c.Limit, rem, c.Reset
		}
	}
	return allowed
}
