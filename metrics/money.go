package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-dev/tollgate/store"
)

// MaxModels bounds the distinct values of the model label: the first
// MaxModels model names seen keep their own series, later ones are counted
// under OtherModel. Model names come from requests and responses, so
// without a bound a client could grow the series set at will.
const MaxModels = 200

// OtherModel is the model label of names past MaxModels, and of usage
// without a model.
const OtherModel = "other"

// tokenTypes are the values of the type label of tollgate_tokens_total, one
// per store.Tokens category, in the order of modelSet.tokens.
var tokenTypes = [5]string{"input", "output", "cached_read", "cached_write", "reasoning"}

// money holds the metering collectors: tokens, credits, settlement.
type money struct {
	tokens     *prometheus.CounterVec
	charged    prometheus.Counter
	lag        prometheus.Histogram
	failures   prometheus.Counter
	depth      prometheus.Gauge
	full       prometheus.Counter
	unpriced   *prometheus.CounterVec
	estimated  *prometheus.CounterVec
	drains     *prometheus.CounterVec
	models     cache[*modelSet]
	estimates  cache[prometheus.Counter]
	drainKinds cache[prometheus.Counter]
}

// modelSet holds the resolved children of one model label.
type modelSet struct {
	tokens   [5]prometheus.Counter
	unpriced prometheus.Counter
}

// lagBuckets, in seconds: a settlement normally lands within milliseconds
// of the response's end; a store outage stretches it to minutes.
var lagBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30, 120, 600}

func newMoney() *money {
	return &money{
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_tokens_total",
			Help: "LLM tokens settled, by model and type (input, output, cached_read, cached_write, reasoning; disjoint). Models past the first 200 names count as \"other\".",
		}, []string{"model", "type"}),
		charged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_credits_charged_total",
			Help: "Credits charged to workspaces by settlements, in micro-credits (1 credit = 1,000,000).",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tollgate_settlement_lag_seconds",
			Help:    "Time from the end of a response to its settlement being stored.",
			Buckets: lagBuckets,
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_settle_failures_total",
			Help: "Settle calls to the store that failed and will be retried.",
		}),
		depth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_settle_queue_depth",
			Help: "Settlements waiting for the store, including those being retried.",
		}),
		full: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_settle_queue_full_total",
			Help: "Times a settlement waited because the settlement queue was at its bound.",
		}),
		unpriced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_unpriced_usage_total",
			Help: "Requests that used tokens but cost nothing under the price table (a model priced at zero, perhaps by mistake), by model.",
		}, []string{"model"}),
		estimated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_settled_at_estimate_total",
			Help: "Requests charged their admission estimate because their usage could not be read, by reason.",
		}, []string{"reason"}),
		drains: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_stream_drains_total",
			Help: "Upstream responses read on after the client went away, to settle their real usage, by outcome (complete, limit, error).",
		}, []string{"outcome"}),
	}
}

func (u *money) collectors() []prometheus.Collector {
	return []prometheus.Collector{u.tokens, u.charged, u.lag, u.failures, u.depth, u.full, u.unpriced, u.estimated, u.drains}
}

// model returns the resolved children of model name, bounded by MaxModels.
func (m *Metrics) model(name string) *modelSet {
	if name == "" {
		name = OtherModel
	}
	u := m.money
	if cur := u.models.m.Load(); cur != nil {
		if s, ok := (*cur)[name]; ok {
			return s
		}
		if len(*cur) >= MaxModels {
			name = OtherModel
		}
	}
	return u.models.get(name, func() *modelSet {
		s := &modelSet{unpriced: u.unpriced.WithLabelValues(name)}
		for i, t := range tokenTypes {
			s.tokens[i] = u.tokens.WithLabelValues(name, t)
		}
		return s
	})
}

// Settled records one settlement the store accepted: its tokens under its
// model, its cost in micro-credits, and lag, the time from the response's
// end to the store's answer. Known models do not allocate.
func (m *Metrics) Settled(model string, t store.Tokens, cost int64, lag time.Duration) {
	if m == nil {
		return
	}
	s := m.model(model)
	for i, n := range [5]int64{t.Input, t.Output, t.CachedRead, t.CachedWrite, t.Reasoning} {
		if n > 0 {
			s.tokens[i].Add(float64(n))
		}
	}
	if cost > 0 {
		m.money.charged.Add(float64(cost))
	}
	m.money.lag.Observe(lag.Seconds())
}

// Unpriced counts one request of model that used tokens at a cost of zero.
func (m *Metrics) Unpriced(model string) {
	if m != nil {
		m.model(model).unpriced.Inc()
	}
}

// SettleFailed counts one failed Settle call.
func (m *Metrics) SettleFailed() {
	if m != nil {
		m.money.failures.Inc()
	}
}

// SetSettleQueue sets the settlement queue's depth to n.
func (m *Metrics) SetSettleQueue(n int) {
	if m != nil {
		m.money.depth.Set(float64(n))
	}
}

// SettleQueueFull counts one settlement that waited for room in the queue.
func (m *Metrics) SettleQueueFull() {
	if m != nil {
		m.money.full.Inc()
	}
}

// SettledAtEstimate counts one request charged its estimate for reason,
// such as "body_too_large", "no_usage" or "upstream_cut".
func (m *Metrics) SettledAtEstimate(reason string) {
	if m != nil {
		m.money.estimates.get(reason, func() prometheus.Counter { return m.money.estimated.WithLabelValues(reason) }).Inc()
	}
}

// Drained counts one response read on after its client left, by outcome:
// "complete" (read to its end), "limit" (cut at the drain bounds) or
// "error" (the upstream failed).
func (m *Metrics) Drained(outcome string) {
	if m != nil {
		m.money.drainKinds.get(outcome, func() prometheus.Counter { return m.money.drains.WithLabelValues(outcome) }).Inc()
	}
}
