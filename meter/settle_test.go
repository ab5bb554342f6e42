package meter_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/token"
)

// money is a real embedded store with one workspace holding credits.
type money struct {
	t      testing.TB
	s      *embedded.Store
	ws     string
	member string
}

func newMoney(t testing.TB, credits int64, b store.Billing) *money {
	t.Helper()
	ctx := context.Background()
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	m := &money{t: t, s: s, ws: token.NewID(), member: token.NewID()}
	must(t, s.CreateWorkspace(ctx, &store.Workspace{ID: m.ws, Name: "acme", CreatedAt: time.Now(), Billing: b}))
	must(t, s.PutMember(ctx, &store.Member{ID: m.member, WorkspaceID: m.ws, Email: "a@example.com", Role: "member", Status: store.MemberActive}))
	if credits > 0 {
		_, err = s.AddCredits(ctx, m.ws, &store.Transaction{Kind: store.TxTopUp, Amount: credits, Actor: "operator"})
		must(t, err)
	}
	return m
}

// settlement is request i of the member, costing cost.
func (m *money) settlement(i int, cost int64) *store.Settlement {
	id := "req-" + strconv.Itoa(i)
	return &store.Settlement{Workspace: m.ws, RequestID: id, Cost: cost, Record: store.RequestRecord{
		RequestID: id, TokenID: "tok1", MemberID: m.member, Kind: "member", Method: "POST",
		Route: "/openai/v1/chat/completions", Upstream: "openai", Model: "gpt-4o", Status: 200,
		Tokens: store.Tokens{Input: 10, Output: 5}, Cost: cost}}
}

func (m *money) balance() int64 {
	m.t.Helper()
	c, err := m.s.Credits(context.Background(), m.ws)
	must(m.t, err)
	return c.Balance
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling a condition, not waiting for time to pass
	}
}

// TestSettlerStoresEachSettlementOnce checks that concurrent submissions
// are all stored exactly once and Close returns only when they are: the
// balance drops by exactly the sum of the costs.
func TestSettlerStoresEachSettlementOnce(t *testing.T) {
	m := newMoney(t, 10_000_000, store.Billing{})
	reg := prometheus.NewRegistry()
	st := meter.NewSettler(m.s, meter.SettlerOptions{Workers: 4, Observer: metrics.New(reg)})
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				st.Submit(m.settlement(g*100+i, 1000), time.Now())
			}
		}()
	}
	wg.Wait()
	must(t, st.Close(context.Background()))
	if got := m.balance(); got != 10_000_000-200*1000 {
		t.Fatalf("balance = %d, want %d", got, 10_000_000-200*1000)
	}
	recs, _, err := m.s.Requests(context.Background(), m.ws, store.RequestQuery{Limit: 1000})
	must(t, err)
	if len(recs) != 200 {
		t.Fatalf("audit records = %d, want 200", len(recs))
	}
	if v := testutil.ToFloat64(counter(t, reg, "tollgate_credits_charged_total")); v != 200*1000 {
		t.Fatalf("credits charged = %v, want %d", v, 200*1000)
	}
}

// TestSettlerRetriesWhileStoreFails checks usage seen while the store is
// down is kept and stored once it answers again, never dropped: Settle
// fails until the switch flips, then succeeds.
func TestSettlerRetriesWhileStoreFails(t *testing.T) {
	m := newMoney(t, 1_000_000, store.Billing{})
	var down atomic.Bool
	var failures atomic.Int64
	down.Store(true)
	flaky := meter.SettleFunc(func(ctx context.Context, s *store.Settlement, r *store.SettleResult) error {
		if down.Load() {
			failures.Add(1)
			return errors.New("store unreachable")
		}
		return m.s.Settle(ctx, s, r)
	})
	st := meter.NewSettler(flaky, meter.SettlerOptions{Workers: 2, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
	for i := range 5 {
		st.Submit(m.settlement(i, 100), time.Now())
	}
	eventually(t, "retries", func() bool { return failures.Load() >= 10 })
	if p := st.Pending(); p != 5 {
		t.Fatalf("pending while down = %d, want 5", p)
	}
	down.Store(false)
	must(t, st.Close(context.Background()))
	if got := m.balance(); got != 1_000_000-500 {
		t.Fatalf("balance = %d, want %d", got, 1_000_000-500)
	}
}

// TestSettlerCloseGivesUpAtItsDeadline checks a shutdown cannot hang on a
// dead store: Close returns ErrUnsettled when its context ends.
func TestSettlerCloseGivesUpAtItsDeadline(t *testing.T) {
	dead := meter.SettleFunc(func(context.Context, *store.Settlement, *store.SettleResult) error {
		return errors.New("store unreachable")
	})
	st := meter.NewSettler(dead, meter.SettlerOptions{Workers: 1, MinBackoff: time.Millisecond})
	m := newMoney(t, 0, store.Billing{})
	for i := range 3 {
		st.Submit(m.settlement(i, 1), time.Now())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := st.Close(ctx); !errors.Is(err, meter.ErrUnsettled) {
		t.Fatalf("Close = %v, want ErrUnsettled", err)
	}
}

// TestSettlerWaitsWhenQueueIsFull checks the queue's bound: with the store
// blocked, a submission past MaxQueue waits (counted in the queue-full
// metric) instead of growing memory or dropping usage, and goes through
// once the store moves.
func TestSettlerWaitsWhenQueueIsFull(t *testing.T) {
	m := newMoney(t, 1_000_000, store.Billing{})
	release := make(chan struct{})
	blocked := meter.SettleFunc(func(ctx context.Context, s *store.Settlement, r *store.SettleResult) error {
		<-release
		return m.s.Settle(ctx, s, r)
	})
	reg := prometheus.NewRegistry()
	// Batch 1: the worker holds one settlement, so the queue's bound is the whole story.
	st := meter.NewSettler(blocked, meter.SettlerOptions{Workers: 1, Batch: 1, MaxQueue: 2, Observer: metrics.New(reg)})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 5 { // one in the worker, two queued, the fourth waits
			st.Submit(m.settlement(i, 10), time.Now())
		}
	}()
	full := counter(t, reg, "tollgate_settle_queue_full_total")
	eventually(t, "a full queue", func() bool { return testutil.ToFloat64(full) >= 1 })
	close(release)
	<-done
	must(t, st.Close(context.Background()))
	if got := m.balance(); got != 1_000_000-50 {
		t.Fatalf("balance = %d, want %d", got, 1_000_000-50)
	}
}

// alerts records raised events; it is the receiving end, like a webhook.
type alerts struct {
	mu  sync.Mutex
	got []notify.Event
}

func (a *alerts) Raise(_ context.Context, e notify.Event) {
	a.mu.Lock()
	a.got = append(a.got, e)
	a.mu.Unlock()
}

func (a *alerts) events() []notify.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]notify.Event(nil), a.got...)
}

// TestSettlerRaisesCreditAlertsWithBilling checks a settlement that crosses
// the low-balance and auto top-up thresholds raises each alert once, with
// the thresholds and the top-up amount the billing system needs.
func TestSettlerRaisesCreditAlertsWithBilling(t *testing.T) {
	b := store.Billing{LowBalance: 500_000, AutoTopUpBelow: 400_000, AutoTopUpAmount: 5_000_000}
	m := newMoney(t, 1_000_000, b)
	a := &alerts{}
	st := meter.NewSettler(m.s, meter.SettlerOptions{Workers: 1, Alerter: a, Workspaces: m.s}) // one worker: in order
	st.Submit(m.settlement(1, 300_000), time.Now())                                            // 700k: above both
	st.Submit(m.settlement(2, 350_000), time.Now())                                            // 350k: below both
	st.Submit(m.settlement(3, 10_000), time.Now())                                             // still below: nothing new
	must(t, st.Close(context.Background()))
	got := map[string]notify.CreditsData{}
	for _, e := range a.events() {
		if e.Workspace != m.ws || e.ID == "" {
			t.Fatalf("event %+v", e)
		}
		got[e.Type] = e.Data.(notify.CreditsData)
	}
	if len(a.events()) != 2 {
		t.Fatalf("events = %+v, want credits.low and auto top-up once each", a.events())
	}
	if d := got[notify.EventCreditsLow]; d.Threshold != 500_000 || d.Balance != 350_000 {
		t.Fatalf("credits.low data = %+v", d)
	}
	if d := got[notify.EventAutoTopUp]; d.Threshold != 400_000 || d.Amount != 5_000_000 || d.Balance != 350_000 {
		t.Fatalf("auto top-up data = %+v", d)
	}
}

// TestCapReachedRaisesOneEvent checks a SpendCapped decision with
// CapNotice becomes cap.reached naming the scope, the member and the
// period, and decisions without the notice raise nothing.
func TestCapReachedRaisesOneEvent(t *testing.T) {
	a := &alerts{}
	now := time.Date(2027, 3, 14, 9, 0, 0, 0, time.UTC)
	st := meter.NewSettler(meter.SettleFunc(nil), meter.SettlerOptions{Alerter: a, Now: func() time.Time { return now }})
	defer st.Close(context.Background())
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	d := limiter.Decision{Outcome: limiter.SpendCapped, Scope: limiter.ScopeMemberSpend, Limit: 2_000_000,
		MemberID: "mem1", TokenID: "tok1", TokenKind: token.Member, Period: start.Unix(), CapNotice: true}
	st.CapReached("ws1", &d, "gpt-4o")
	d.CapNotice = false
	st.CapReached("ws1", &d, "gpt-4o")
	ev := a.events()
	if len(ev) != 1 || ev[0].Type != notify.EventCapReached || ev[0].Workspace != "ws1" || !ev[0].At.Equal(now) {
		t.Fatalf("events = %+v", ev)
	}
	want := notify.CapData{Scope: "member_spend_cap", MemberID: "mem1", Limit: 2_000_000, PeriodStart: start,
		PeriodEnd: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)}
	if got := ev[0].Data.(notify.CapData); got != want {
		t.Fatalf("cap data = %+v, want %+v", got, want)
	}
}

// counter returns the collector registered as name, for testutil.ToFloat64.
func counter(t testing.TB, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	return collectorFunc(func(ch chan<- prometheus.Metric) {
		fams, err := reg.Gather()
		must(t, err)
		for _, f := range fams {
			if f.GetName() == name {
				for _, m := range f.GetMetric() {
					ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "", nil, nil), prometheus.UntypedValue,
						m.GetCounter().GetValue()+m.GetGauge().GetValue())
				}
			}
		}
	})
}

type collectorFunc func(chan<- prometheus.Metric)

func (f collectorFunc) Describe(chan<- *prometheus.Desc)    {}
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

// TestSubmitBlockedOnFullQueueReturnsAfterClose: a Submit waiting for room
// in a full queue when Close gives up (its context ended, the workers
// stopped) stores its settlement itself, within Timeout, instead of
// blocking the data plane forever on a queue nobody drains.
func TestSubmitBlockedOnFullQueueReturnsAfterClose(t *testing.T) {
	var calls atomic.Int64
	dead := meter.SettleFunc(func(context.Context, *store.Settlement, *store.SettleResult) error {
		calls.Add(1)
		return errors.New("store unreachable")
	})
	reg := prometheus.NewRegistry()
	st := meter.NewSettler(dead, meter.SettlerOptions{Workers: 1, Batch: 1, MaxQueue: 1, MinBackoff: time.Millisecond,
		Observer: metrics.New(reg)})
	m := newMoney(t, 0, store.Billing{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 3 { // one in the worker, one queued, the third waits for room
			st.Submit(m.settlement(i, 1), time.Now())
		}
	}()
	full := counter(t, reg, "tollgate_settle_queue_full_total")
	eventually(t, "a full queue", func() bool { return testutil.ToFloat64(full) >= 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := st.Close(ctx); !errors.Is(err, meter.ErrUnsettled) {
		t.Fatalf("Close = %v, want ErrUnsettled", err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Submit still blocked 30 s after Close gave up")
	}
}
