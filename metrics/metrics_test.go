package metrics_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/metrics"
)

// TestNamesFollowConventions checks that every family is registered under
// its documented name, so dashboards and alerts can rely on them.
func TestNamesFollowConventions(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	u := m.Upstream("openai")
	u.Count(200)
	u.ObserveUpstream(time.Millisecond)
	u.ObserveTTFB(time.Millisecond)
	m.ObserveOverhead(time.Microsecond)
	m.Deny(limiter.Limited.String())
	m.ObserveStore("admit", time.Millisecond, errors.New("x"))
	m.SetDegraded("rate", true)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fams {
		got[f.GetName()] = true
	}
	for _, n := range []string{"tollgate_requests_total", "tollgate_gateway_overhead_seconds",
		"tollgate_upstream_seconds", "tollgate_stream_ttfb_seconds", "tollgate_denials_total",
		"tollgate_store_seconds", "tollgate_store_errors_total", "tollgate_degraded"} {
		if !got[n] {
			t.Errorf("metric %s not registered", n)
		}
	}
}

// TestCountByClass checks status codes land in their class, with out-of-range
// codes clamped rather than dropped.
func TestCountByClass(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	u := m.Upstream("a")
	for _, s := range []int{101, 200, 204, 302, 404, 429, 500, 503, 999} {
		u.Count(s)
	}
	want := `
# HELP tollgate_requests_total Data-plane requests answered, by upstream name and status class (2xx, 3xx, 4xx, 5xx). Requests refused before an upstream was admitted have upstream "none".
# TYPE tollgate_requests_total counter
tollgate_requests_total{class="2xx",upstream="a"} 3
tollgate_requests_total{class="3xx",upstream="a"} 1
tollgate_requests_total{class="4xx",upstream="a"} 2
tollgate_requests_total{class="5xx",upstream="a"} 3
tollgate_requests_total{class="2xx",upstream="none"} 0
tollgate_requests_total{class="3xx",upstream="none"} 0
tollgate_requests_total{class="4xx",upstream="none"} 0
tollgate_requests_total{class="5xx",upstream="none"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tollgate_requests_total"); err != nil {
		t.Fatal(err)
	}
}

// TestStoreAndDegraded checks the limiter-facing methods: errors are counted
// per operation and the gauge goes up and down.
func TestStoreAndDegraded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.ObserveStore("admit", time.Millisecond, nil)
	m.ObserveStore("admit", time.Millisecond, errors.New("down"))
	m.SetDegraded("member_rate", true)
	m.SetDegraded("balance", true)
	m.SetDegraded("balance", false)
	want := `
# HELP tollgate_store_errors_total Store calls that failed, by operation.
# TYPE tollgate_store_errors_total counter
tollgate_store_errors_total{op="admit"} 1
# HELP tollgate_degraded 1 while a check is decided locally because the store is failing, else 0.
# TYPE tollgate_degraded gauge
tollgate_degraded{check="balance"} 0
tollgate_degraded{check="member_rate"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tollgate_store_errors_total", "tollgate_degraded"); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg, "tollgate_store_seconds"); err != nil || n != 1 {
		t.Fatalf("store_seconds series = %d (%v), want 1", n, err)
	}
}

// TestNilIsNoop checks that a gateway built without metrics cannot crash on them.
func TestNilIsNoop(t *testing.T) {
	var m *metrics.Metrics
	m.Upstream("x").Count(200)
	m.ObserveOverhead(time.Second)
	m.Deny("x")
	m.ObserveStore("admit", time.Second, nil)
	m.SetDegraded("x", true)
}

// TestConcurrentUpstreamCache checks that many goroutines resolving the same
// and different names agree on one child per name (run with -race).
func TestConcurrentUpstreamCache(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	names := []string{"a", "b", "c", "d"}
	got := make([][]*metrics.Upstream, 32)
	var wg sync.WaitGroup
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range names {
				u := m.Upstream(n)
				u.Count(200)
				m.Deny("reason_" + n)
				got[g] = append(got[g], u)
			}
		}()
	}
	wg.Wait()
	for g := range got {
		for i := range names {
			if got[g][i] != got[0][i] {
				t.Fatalf("goroutine %d got a different child for %s", g, names[i])
			}
		}
	}
}

// TestHotPathDoesNotAllocate checks the per-request methods on resolved
// children and known reasons allocate nothing.
func TestHotPathDoesNotAllocate(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	u := m.Upstream("openai")
	allocs := testing.AllocsPerRun(100, func() {
		u = m.Upstream("openai")
		u.Count(200)
		u.ObserveUpstream(time.Millisecond)
		u.ObserveTTFB(time.Millisecond)
		m.ObserveOverhead(time.Microsecond)
		m.Deny("rate_limited")
		m.Deny("member_rate_limit")
		m.ObserveStore("admit", time.Millisecond, nil)
	})
	if allocs != 0 {
		t.Fatalf("allocs per request = %v, want 0", allocs)
	}
}

func BenchmarkHotPath(b *testing.B) {
	m := metrics.New(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		u := m.Upstream("openai")
		u.Count(200)
		u.ObserveUpstream(time.Millisecond)
		m.ObserveOverhead(time.Microsecond)
	}
}
