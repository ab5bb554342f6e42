package notify

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/store"
)

// TestRaiseNeverBlocksAndCountsDrops: a full queue or a closed dispatcher drops the event, visibly, instead of stalling a request.
func TestRaiseNeverBlocksAndCountsDrops(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		reg := prometheus.NewRegistry()
		release := make(chan struct{})
		e := newEnv(t, open, func(c *DispatcherConfig) { c.Workers, c.QueueSize, c.Registry = 1, 1, reg })
		rc := newReceiver(t, func(int64, http.ResponseWriter, *http.Request) { <-release })
		e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_a")) // taken by the only worker, which hangs in the receiver
		rc.next(t)
		e.d.Raise(e.ctx, e.low("evt_b"))               // fills the queue
		e.d.Raise(e.ctx, e.low("evt_c"))               // dropped
		e.d.Raise(e.ctx, Event{Type: EventCreditsLow}) // no workspace: dropped
		close(release)
		e.close()
		e.d.Raise(e.ctx, e.low("evt_d")) // after Close: dropped
		for reason, want := range map[string]float64{dropFull: 1, dropInvalid: 1, dropClosed: 1} {
			if got := testutil.ToFloat64(e.d.m.dropped.WithLabelValues(reason)); got != want {
				t.Errorf("dropped{%s} = %v, want %v", reason, got, want)
			}
		}
		if got := testutil.ToFloat64(e.d.m.attempts.WithLabelValues(outcomeDelivered)); got != 2 || rc.n.Load() != 2 {
			t.Errorf("%v delivered, %d requests; want a and b", got, rc.n.Load())
		}
		if n, err := testutil.GatherAndCount(reg, "tollgate_alerts_dropped_total"); err != nil || n != 3 {
			t.Errorf("registry has %d dropped series (%v)", n, err)
		}
	})
}

// TestCloseGivesUpWhenItsContextEnds: a stuck receiver cannot hold shutdown past the caller's deadline.
func TestCloseGivesUpWhenItsContextEnds(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, func(c *DispatcherConfig) { c.Timeout = time.Hour })
		rc := newReceiver(t, func(_ int64, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_stuck"))
		rc.next(t)
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		if err := e.d.Close(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Close: %v", err)
		}
		ds := e.waitDeliveries(h.ID, func(ds []store.Delivery) bool { return len(ds) == 1 })
		if !ds[0].Done || !strings.Contains(ds[0].Error, "abandoned at shutdown") {
			t.Fatalf("delivery %+v", ds[0])
		}
	})
}

// TestDispatcherConfigErrorsAreNamed: a bad configuration fails at construction, saying which field.
func TestDispatcherConfigErrorsAreNamed(t *testing.T) {
	s := openEmbedded(t, time.Now)
	for says, cfg := range map[string]DispatcherConfig{
		"store is required":                {},
		"timeouts must not be negative":    {Store: s, Timeout: -1},
		"must not be negative":             {Store: s, Workers: -1},
		"backoff[1] is 0s":                 {Store: s, Backoff: []time.Duration{time.Second, 0}},
		"max attempts is 3 but backoff is": {Store: s, Backoff: []time.Duration{}, MaxAttempts: 3},
	} {
		if _, err := NewDispatcher(cfg); !errors.Is(err, ErrDispatcherConfig) || !strings.Contains(err.Error(), says) {
			t.Errorf("got %v, want an error saying %q", err, says)
		}
	}
	if _, err := NewDispatcher(DispatcherConfig{Store: s, ConnectTimeout: -time.Second}); !errors.Is(err, ErrDispatcherConfig) {
		t.Errorf("a negative connect timeout: %v", err)
	}
	d, err := NewDispatcher(DispatcherConfig{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	if d.cfg.MaxAttempts != 6 || d.cfg.Workers != DefaultWorkers || d.cfg.QueueSize != DefaultQueueSize || d.cfg.ConnectTimeout != DefaultConnectTimeout {
		t.Fatalf("defaults %+v", d.cfg)
	}
}

// TestWebhookLookupIsRetriedThenDropped: a store outage delays an alert by the backoff instead of losing it at once.
func TestWebhookLookupIsRetriedThenDropped(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, func(c *DispatcherConfig) { c.MaxAttempts = 2 })
		if err := e.s.Close(); err != nil {
			t.Fatal(err)
		}
		e.d.Raise(e.ctx, e.low("evt_outage"))
		if got := e.clock.nextWait(t); got != 5*time.Second {
			t.Fatalf("lookup backoff %s, want 5s", got)
		}
		e.clock.Advance(5 * time.Second)
		eventually(t, func() bool { return testutil.ToFloat64(e.d.m.dropped.WithLabelValues(dropStore)) == 1 })
		e.close()
		if len(e.clock.armed) != 0 {
			t.Fatalf("%d more waits after the last lookup", len(e.clock.armed))
		}
	})
}

// TestAlertSurvivesARedisStall: a Redis that stops answering for a while delays the alert; it is delivered once Redis is back.
func TestAlertSurvivesARedisStall(t *testing.T) {
	srv := redistest.Start(t)
	open := func(t *testing.T, now func() time.Time) fullStore {
		return openRedisOn(t, srv, now, 200*time.Millisecond)
	}
	e := newEnv(t, open, func(c *DispatcherConfig) { c.StoreTimeout = 200 * time.Millisecond })
	rc := newReceiver(t, status(200))
	h := e.hook(rc.URL)
	srv.Pause()
	e.d.Raise(e.ctx, e.low("evt_stall"))
	wait := e.clock.nextWait(t) // the lookup timed out and is scheduled again
	srv.Resume()
	e.clock.Advance(wait)
	rc.next(t)
	e.waitDeliveries(h.ID, func(ds []store.Delivery) bool { return len(ds) == 1 && ds[0].Done && ds[0].Status == 200 })
}
