// Package metrics is Tollgate's Prometheus metric set.
//
// New registers every metric on an injected *prometheus.Registry (never the
// global one). Labels never carry member, key or workspace IDs: requests and
// upstream latencies are labelled by upstream name and status class only,
// denials by reason, store calls by operation, tokens by model and type
// (at most MaxModels model names; later ones count as "other"). Money is
// counted in micro-credits (tollgate_credits_charged_total), so the counter's
// float64 is exact up to 2^53 µc (9 billion credits).
//
// The gateway's request path must not allocate for metrics, so label children
// are resolved ahead of time: Upstream returns a cached *Upstream holding the
// resolved counters and observers for one upstream name, and denial reasons
// and store operations are cached the same way after their first use. The
// caches are copy-on-write maps read through an atomic pointer, so a lookup
// takes no lock. Every method is safe for concurrent use, and every method of
// a nil *Metrics or nil *Upstream does nothing, so callers need no nil checks.
package metrics
