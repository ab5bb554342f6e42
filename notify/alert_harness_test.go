package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// failAfter bounds every wait of these tests; it only ends a failing test.
const failAfter = 10 * time.Second

// fakeClock is a Clock whose After channels fire only when the test
// advances it. Every After call is reported on armed, so a test knows a
// retry is waiting before it moves time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []fakeWait
	armed chan time.Duration
}

type fakeWait struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock {
	return &fakeClock{now: t, armed: make(chan time.Duration, 1024)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.waits = append(c.waits, fakeWait{at: c.now.Add(d), ch: ch})
	c.mu.Unlock()
	c.armed <- d
	return ch
}

// Advance moves the clock by d and fires every wait that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waits[:0]
	for _, w := range c.waits {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waits = kept
}

// nextWait returns the wait of the next After call, once it is made.
func (c *fakeClock) nextWait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.armed:
		return d
	case <-time.After(failAfter):
		t.Fatal("no retry was scheduled")
		return 0
	}
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a real loopback HTTP server standing for a customer's
// webhook endpoint. answer decides the reply to its n-th request (from 1).
type receiver struct {
	*httptest.Server
	got chan received
	n   atomic.Int64
}

func newReceiver(t *testing.T, answer func(n int64, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan received, 1024)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.got <- received{header: r.Header.Clone(), body: body}
		answer(rc.n.Add(1), w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// status answers every request with code.
func status(code int) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// next returns the receiver's next request.
func (rc *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case r := <-rc.got:
		return r
	case <-time.After(failAfter):
		t.Fatal("the receiver got nothing")
		return received{}
	}
}

// fullStore is a real backend: the store and its money side (store.Store
// embeds Money once both backends implement it).
type fullStore interface {
	store.Store
	store.Money
}

// opener opens a fresh real store whose clock is now.
type opener func(t *testing.T, now func() time.Time) fullStore

// openRedis starts a redis-server for the test and opens a store on it.
func openRedis(t *testing.T, now func() time.Time) fullStore {
	return openRedisOn(t, redistest.Start(t), now, 0)
}

// openRedisOn opens a store on srv with timeout per call (0: default).
func openRedisOn(t *testing.T, srv *redistest.Server, now func() time.Time, timeout time.Duration) fullStore {
	s, err := redisstore.New(context.Background(), redisstore.Options{URL: srv.URL(), Now: now, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openEmbedded(t *testing.T, now func() time.Time) fullStore {
	s, err := embedded.Open(t.TempDir(), embedded.Options{Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// env is one test's store, clock, workspace and running Dispatcher.
type env struct {
	t     *testing.T
	ctx   context.Context
	s     fullStore
	clock *fakeClock
	ws    string
	d     *Dispatcher
}

// newEnv opens a store, creates the workspace "Research" and starts a
// Dispatcher (loopback allowed) configured further by tweak.
func newEnv(t *testing.T, open opener, tweak func(*DispatcherConfig)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: newFakeClock(time.Now().UTC().Truncate(time.Second))}
	e.s = open(t, e.clock.Now)
	w := &store.Workspace{ID: token.NewID(), Name: "Research", CreatedAt: e.clock.Now()}
	if err := e.s.CreateWorkspace(e.ctx, w); err != nil {
		t.Fatal(err)
	}
	e.ws = w.ID
	cfg := DispatcherConfig{Store: e.s, Clock: e.clock, AllowLoopback: true}
	if tweak != nil {
		tweak(&cfg)
	}
	d, err := NewDispatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	return e
}

// hook registers a webhook to url for events (none: all).
func (e *env) hook(url string, events ...string) store.Webhook {
	e.t.Helper()
	w := store.Webhook{ID: token.NewID(), WorkspaceID: e.ws, URL: url, Secret: NewWebhookSecret(), Events: events, CreatedAt: e.clock.Now()}
	if err := e.s.CreateWebhook(e.ctx, &w); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// low is a credits-low event of the env's workspace.
func (e *env) low(id string) Event {
	return Event{ID: id, Type: EventCreditsLow, Workspace: e.ws, Data: CreditsData{Balance: 4_500_000, Threshold: 5_000_000}}
}

// close closes the Dispatcher, waiting for everything it started.
func (e *env) close() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, failAfter)
	defer cancel()
	if err := e.d.Close(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// deliveries returns the hook's deliveries, oldest attempt first.
func (e *env) deliveries(hook string) []store.Delivery {
	e.t.Helper()
	ds, err := e.s.Deliveries(e.ctx, e.ws, hook, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(ds)-1; i < j; i, j = i+1, j-1 {
		ds[i], ds[j] = ds[j], ds[i]
	}
	return ds
}

// waitDeliveries polls the store until ok accepts the hook's deliveries.
func (e *env) waitDeliveries(hook string, ok func([]store.Delivery) bool) []store.Delivery {
	e.t.Helper()
	var ds []store.Delivery
	if !poll(func() bool { ds = e.deliveries(hook); return ok(ds) }) {
		e.t.Fatalf("deliveries never reached the expected state: %+v", ds)
	}
	return ds
}

// eventually fails the test unless cond holds within failAfter.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	if !poll(cond) {
		t.Fatal("condition never held")
	}
}

// poll checks cond every 2 ms until it holds (true) or failAfter passes.
func poll(cond func() bool) bool {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(failAfter)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			return false
		}
	}
	return true
}
