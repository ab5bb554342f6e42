package metrics_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/store"
)

// TestSettledCountsTokensByTypeAndCredits checks a settlement lands in the
// token counters of its model and type and in micro-credits charged, so
// dashboards add up to what the ledger says.
func TestSettledCountsTokensByTypeAndCredits(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.Settled("gpt-4o", store.Tokens{Input: 10, Output: 20, CachedRead: 3, Reasoning: 4}, 1500, time.Millisecond)
	m.Settled("gpt-4o", store.Tokens{Input: 1}, 0, time.Millisecond)
	m.Unpriced("free-model")
	want := `
# HELP tollgate_credits_charged_total Credits charged to workspaces by settlements, in micro-credits (1 credit = 1,000,000).
# TYPE tollgate_credits_charged_total counter
tollgate_credits_charged_total 1500
# HELP tollgate_unpriced_usage_total Requests that used tokens but cost nothing under the price table (a model priced at zero, perhaps by mistake), by model.
# TYPE tollgate_unpriced_usage_total counter
tollgate_unpriced_usage_total{model="free-model"} 1
tollgate_unpriced_usage_total{model="gpt-4o"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tollgate_credits_charged_total", "tollgate_unpriced_usage_total"); err != nil {
		t.Fatal(err)
	}
	for typ, n := range map[string]float64{"input": 11, "output": 20, "cached_read": 3, "cached_write": 0, "reasoning": 4} {
		got, err := gatherValue(reg, "tollgate_tokens_total", map[string]string{"model": "gpt-4o", "type": typ})
		if err != nil || got != n {
			t.Errorf("tokens %s = %v (%v), want %v", typ, got, err, n)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "tollgate_settlement_lag_seconds"); err != nil || n != 1 {
		t.Fatalf("lag series = %d (%v)", n, err)
	}
}

// TestModelLabelsAreBounded checks model names past MaxModels fold into
// "other": model names come from clients and must not grow the series set.
func TestModelLabelsAreBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	for i := range metrics.MaxModels + 50 {
		m.Settled("m"+strconv.Itoa(i), store.Tokens{Input: 1}, 0, 0)
	}
	n, err := testutil.GatherAndCount(reg, "tollgate_unpriced_usage_total")
	if err != nil || n > metrics.MaxModels+1 {
		t.Fatalf("model series = %d (%v), want at most %d", n, err, metrics.MaxModels+1)
	}
	got, err := gatherValue(reg, "tollgate_tokens_total", map[string]string{"model": metrics.OtherModel, "type": "input"})
	if err != nil || got != 50 {
		t.Fatalf("other input tokens = %v (%v), want 50", got, err)
	}
}

// TestSettlementGauges checks the queue and failure collectors the Settler
// drives, and the estimate and drain counters by reason.
func TestSettlementGauges(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.SetSettleQueue(7)
	m.SettleFailed()
	m.SettleFailed()
	m.SettleQueueFull()
	m.SettledAtEstimate("body_too_large")
	m.Drained("complete")
	want := `
# HELP tollgate_settle_queue_depth Settlements waiting for the store, including those being retried.
# TYPE tollgate_settle_queue_depth gauge
tollgate_settle_queue_depth 7
# HELP tollgate_settle_failures_total Settle calls to the store that failed and will be retried.
# TYPE tollgate_settle_failures_total counter
tollgate_settle_failures_total 2
# HELP tollgate_settle_queue_full_total Times a settlement waited because the settlement queue was at its bound.
# TYPE tollgate_settle_queue_full_total counter
tollgate_settle_queue_full_total 1
# HELP tollgate_settled_at_estimate_total Requests charged their admission estimate because their usage could not be read, by reason.
# TYPE tollgate_settled_at_estimate_total counter
tollgate_settled_at_estimate_total{reason="body_too_large"} 1
# HELP tollgate_stream_drains_total Upstream responses read on after the client went away, to settle their real usage, by outcome (complete, limit, error).
# TYPE tollgate_stream_drains_total counter
tollgate_stream_drains_total{outcome="complete"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tollgate_settle_queue_depth", "tollgate_settle_failures_total",
		"tollgate_settle_queue_full_total", "tollgate_settled_at_estimate_total", "tollgate_stream_drains_total"); err != nil {
		t.Fatal(err)
	}
}

// TestMoneyNilIsNoop checks a gateway or Settler without metrics cannot
// crash on the metering methods.
func TestMoneyNilIsNoop(t *testing.T) {
	var m *metrics.Metrics
	m.Settled("x", store.Tokens{Input: 1}, 1, time.Second)
	m.Unpriced("x")
	m.SettleFailed()
	m.SetSettleQueue(1)
	m.SettleQueueFull()
	m.SettledAtEstimate("x")
	m.Drained("x")
}

// TestSettledDoesNotAllocate checks the per-settlement path allocates
// nothing once the model is known: it runs for every request.
func TestSettledDoesNotAllocate(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	m.Settled("gpt-4o", store.Tokens{}, 0, 0)
	allocs := testing.AllocsPerRun(100, func() {
		m.Settled("gpt-4o", store.Tokens{Input: 5, Output: 7}, 12, time.Millisecond)
		m.SetSettleQueue(3)
	})
	if allocs != 0 {
		t.Fatalf("allocs per settlement = %v, want 0", allocs)
	}
}

// gatherValue returns the value of the one series of family name whose
// labels include want.
func gatherValue(reg *prometheus.Registry, name string, want map[string]string) (float64, error) {
	fams, err := reg.Gather()
	if err != nil {
		return 0, err
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, mt := range f.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if v, ok := want[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			return mt.GetCounter().GetValue(), nil
		}
	}
	return 0, nil
}
