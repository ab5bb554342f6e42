package notify

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate-dev/tollgate/internal/smtptest"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// TestEmailReachesActiveOwnersAndAdminsOnly: alerts are for the people who manage money, not every member.
func TestEmailReachesActiveOwnersAndAdminsOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		srv := smtptest.Start(t)
		e := newEnv(t, open, func(c *DispatcherConfig) {
			c.Mailer = NewSMTP(SMTPConfig{Addr: srv.Addr, From: "Tollgate <tollgate@example.com>"})
		})
		for _, m := range []struct {
			email, role string
			status      store.MemberStatus
		}{
			{"owner@example.com", store.RoleOwner, store.MemberActive},
			{"admin@example.com", store.RoleAdmin, store.MemberActive},
			{"member@example.com", store.RoleMember, store.MemberActive},
			{"reader@example.com", store.RoleReader, store.MemberActive},
			{"gone@example.com", store.RoleAdmin, store.MemberRemoved},
		} {
			rec := &store.Member{ID: token.NewID(), WorkspaceID: e.ws, Email: m.email, Role: m.role, Status: m.status, CreatedAt: e.clock.Now()}
			if err := e.s.PutMember(e.ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
		e.d.Raise(e.ctx, e.low("evt_mail"))
		e.close()
		select {
		case m := <-srv.Messages():
			to := slices.Sorted(slices.Values(m.To))
			if !slices.Equal(to, []string{"admin@example.com", "owner@example.com"}) {
				t.Fatalf("sent to %v", to)
			}
			if m.Subject != "[Tollgate] Credits low in Research" || !strings.Contains(m.Body, "fell below 5 credits; it is now 4.5 credits") {
				t.Fatalf("subject %q body:\n%s", m.Subject, m.Body)
			}
		case <-time.After(failAfter):
			t.Fatal("no e-mail")
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("more than one message for one event")
		}
	})
}

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
	d, err := NewDispatcher(DispatcherConfig{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	if d.cfg.MaxAttempts != 6 || d.cfg.Workers != DefaultWorkers || d.cfg.QueueSize != DefaultQueueSize {
		t.Fatalf("defaults %+v", d.cfg)
	}
}
