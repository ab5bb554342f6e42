// Package limiter makes the admission decision for each gateway request.
//
// The decision itself runs inside the store, in one atomic step and one round
// trip (see store.Store.Admit): token known and active, member active,
// upstream allowed, and every rate limit that applies. This package defines
// the request and the Decision value that the stores fill, the sliding-window
// algorithm they share (Window), and Limiter, which wraps a store with a
// timeout, a circuit breaker and the operator's fail-open or fail-closed
// choice per check.
//
// # Algorithm and worst case
//
// Each rate limit is a bucketed sliding window: a minute is cut into Buckets
// buckets of BucketWidth, and a request is admitted only if the admitted
// requests in every bucket that overlaps the last minute, plus this one, fit
// the limit. Because the counted span always contains the true last minute,
// no sliding window of one minute ever holds more than the limit: the worst
// case in any window is exactly the limit, never 2x as with fixed windows or
// GCRA with burst = rate. The price is conservatism: the oldest counted
// bucket may lie up to one BucketWidth beyond the minute, so under steady
// pressure a client may be held to limit requests per (1 + 1/Buckets) minutes.
// Only admitted requests are counted; denied retries never extend a block.
package limiter
