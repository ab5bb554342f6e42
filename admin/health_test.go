package admin

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestHealthReadyMetrics: /healthz and /readyz need no token; /readyz follows
// the store; /metrics serves the injected registry.
func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_test_total", Help: "test"})
	e.reg.MustRegister(c)
	c.Inc()
	if s, _ := e.doAuth("GET", "/healthz", nil, ""); s != http.StatusOK {
		t.Fatalf("healthz %d", s)
	}
	if s, _ := e.doAuth("GET", "/readyz", nil, ""); s != http.StatusOK {
		t.Fatalf("readyz %d", s)
	}
	e.draining.Store(true)
	e.mustFail(http.StatusServiceUnavailable, CodeShuttingDown, "GET", "/readyz", nil, "shutting down")
	e.draining.Store(false)
	s, body := e.doAuth("GET", "/metrics", nil, "")
	if s != http.StatusOK || !strings.Contains(string(body), "tollgate_test_total 1") {
		t.Fatalf("metrics %d %s", s, body)
	}
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.mustFail(http.StatusServiceUnavailable, CodeStoreUnavailable, "GET", "/readyz", nil, "store")
	if s, _ := e.doAuth("GET", "/healthz", nil, ""); s != http.StatusOK {
		t.Fatalf("healthz after store close %d", s)
	}
}
