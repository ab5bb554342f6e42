package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-dev/tollgate/limiter"
)

// Metrics is the set of Tollgate's metrics on one registry. Create it with New.
type Metrics struct {
	requests     *prometheus.CounterVec
	overhead     prometheus.Histogram
	upstream     *prometheus.HistogramVec
	ttfb         *prometheus.HistogramVec
	denials      *prometheus.CounterVec
	storeSeconds *prometheus.HistogramVec
	storeErrors  *prometheus.CounterVec
	degraded     *prometheus.GaugeVec
	money        *money // metering: tokens, credits, settlement (money.go)

	upstreams cache[*Upstream]
	reasons   cache[prometheus.Counter]
	stores    cache[storeOp]
}

// storeOp holds the resolved children of one store operation.
type storeOp struct {
	seconds prometheus.Observer
	errors  prometheus.Counter
}

// Buckets, in seconds. The gateway's own overhead is expected in the tens of
// microseconds; upstream calls and streams may take minutes.
var (
	overheadBuckets = prometheus.ExponentialBuckets(25e-6, 2, 14) // 25 µs … 205 ms
	upstreamBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}
	storeBuckets    = prometheus.ExponentialBuckets(50e-6, 2, 14) // 50 µs … 410 ms
)

// New creates the metric set and registers it on reg. It panics if a metric
// of the same name is already registered there, like prometheus.MustRegister.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_requests_total",
			Help: "Data-plane requests answered, by upstream name and status class (2xx, 3xx, 4xx, 5xx). Requests refused before an upstream was admitted have upstream \"none\".",
		}, []string{"upstream", "class"}),
		overhead: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tollgate_gateway_overhead_seconds",
			Help:    "Time spent in the gateway on a request, excluding the wait for the upstream's response headers and the copying of its body.",
			Buckets: overheadBuckets,
		}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_upstream_seconds",
			Help:    "Time from sending a request upstream to receiving its response headers.",
			Buckets: upstreamBuckets,
		}, []string{"upstream"}),
		ttfb: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_stream_ttfb_seconds",
			Help:    "Time from sending a request upstream to the first body byte of a streamed (text/event-stream or chunked) response.",
			Buckets: upstreamBuckets,
		}, []string{"upstream"}),
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_denials_total",
			Help: "Requests refused by the gateway, by reason (admission outcome, exhausted limit, or a malformed or missing token).",
		}, []string{"reason"}),
		storeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_store_seconds",
			Help:    "Latency of store calls, by operation.",
			Buckets: storeBuckets,
		}, []string{"op"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_store_errors_total",
			Help: "Store calls that failed, by operation.",
		}, []string{"op"}),
		degraded: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tollgate_degraded",
			Help: "1 while a check is decided locally because the store is failing, else 0.",
		}, []string{"check"}),
		money: newMoney(),
	}
	reg.MustRegister(m.requests, m.overhead, m.upstream, m.ttfb, m.denials,
		m.storeSeconds, m.storeErrors, m.degraded)
	reg.MustRegister(m.money.collectors()...)
	m.Upstream(NoUpstream)
	for o := limiter.Outcome(1); o.String() != "invalid"; o++ {
		m.reason(o.String())
	}
	for s := limiter.ScopeMember; s.String() != "invalid"; s++ {
		m.reason(s.Code())
	}
	return m
}

// NoUpstream is the upstream label of requests refused before an upstream
// was admitted, so that names from unauthenticated paths never become labels.
const NoUpstream = "none"

// Upstream returns the resolved metrics of the upstream called name, creating
// them on first use. Callers keep the result (the gateway caches it with the
// upstream's configuration); repeated calls with a known name do not allocate.
func (m *Metrics) Upstream(name string) *Upstream {
	if m == nil {
		return nil
	}
	return m.upstreams.get(name, func() *Upstream {
		u := &Upstream{
			upstream: m.upstream.WithLabelValues(name),
			ttfb:     m.ttfb.WithLabelValues(name),
		}
		for i, c := range classes {
			u.classes[i] = m.requests.WithLabelValues(name, c)
		}
		return u
	})
}

// ObserveOverhead records d as the gateway's own time on one request.
func (m *Metrics) ObserveOverhead(d time.Duration) {
	if m != nil {
		m.overhead.Observe(d.Seconds())
	}
}

// Deny counts one request refused for reason, such as
// limiter.Outcome.String() or limiter.Scope.Code(). Known reasons do not
// allocate.
func (m *Metrics) Deny(reason string) {
	if m != nil {
		m.reason(reason).Inc()
	}
}

func (m *Metrics) reason(r string) prometheus.Counter {
	return m.reasons.get(r, func() prometheus.Counter { return m.denials.WithLabelValues(r) })
}

// ObserveStore records one store call of operation op that took d, counting
// it as an error when err is not nil. The limiter calls it around each store
// round trip.
func (m *Metrics) ObserveStore(op string, d time.Duration, err error) {
	if m == nil {
		return
	}
	s := m.stores.get(op, func() storeOp {
		return storeOp{seconds: m.storeSeconds.WithLabelValues(op), errors: m.storeErrors.WithLabelValues(op)}
	})
	s.seconds.Observe(d.Seconds())
	if err != nil {
		s.errors.Inc()
	}
}

// SetDegraded sets tollgate_degraded{check} to 1 when on, else 0.
func (m *Metrics) SetDegraded(check string, on bool) {
	if m == nil {
		return
	}
	v := 0.0
	if on {
		v = 1
	}
	m.degraded.WithLabelValues(check).Set(v)
}

var _ limiter.Observer = (*Metrics)(nil)
