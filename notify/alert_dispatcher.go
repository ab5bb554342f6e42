package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Dispatcher delivers alert events: to every webhook of the event's
// workspace subscribed to its type, signed and retried with backoff, each
// attempt recorded with the store's RecordDelivery; and, with a Mailer, by
// e-mail to the workspace's owners and admins. It is safe for concurrent
// use. Raise only queues; workers send. A failed webhook lookup (store
// down) is retried on the same backoff. Retries live in memory: those still
// waiting when Close is called are abandoned (logged and recorded so), and
// none survives a restart.
//
// Work is queued per workspace (see lanes): a workspace has at most one
// attempt (or webhook lookup, or e-mail) in flight, and workspaces take
// turns, so a tenant whose receivers hang holds one worker, not all, and
// the others' alerts go on.
type Dispatcher struct {
	cfg    DispatcherConfig
	client *http.Client
	m      *alertMetrics

	lanes *lanes // queued events, deliveries and due retries, per workspace

	stop     chan struct{} // closed by Close
	base     context.Context
	cancel   context.CancelFunc // aborts attempts in flight when Close's ctx ends
	once     sync.Once
	wg       sync.WaitGroup // workers and retry waiters
	retrying atomic.Int64
}

var _ Alerter = (*Dispatcher)(nil)

// queued is an event with its JSON body, marshalled when raised.
type queued struct {
	Event
	body    []byte
	lookups int // failed webhook lookups so far
}

// delivery is one event on its way to one webhook.
type delivery struct {
	ev      *queued
	hook    store.Webhook
	attempt int // 1 for the first
}

// NewDispatcher starts a Dispatcher's workers. It fails only on a bad
// configuration, naming the field, or when the metrics cannot register.
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newAlertMetrics(cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("notify: dispatcher metrics: %w", err)
	}
	d := &Dispatcher{cfg: cfg, client: newWebhookClient(cfg), m: m, lanes: newLanes(), stop: make(chan struct{})}
	d.base, d.cancel = context.WithCancel(context.Background())
	d.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go d.work()
	}
	return d, nil
}

// newWebhookClient returns the HTTP client of deliveries: no proxy from the
// environment, no redirects followed, and unless AllowLoopback a dialer
// that refuses loopback addresses; link-local and metadata addresses are
// refused always. Connecting (TCP, then TLS) is bounded by ConnectTimeout,
// so an address that drops packets fails fast; the whole attempt by
// Timeout.
func newWebhookClient(cfg DispatcherConfig) *http.Client {
	connect := min(cfg.ConnectTimeout, cfg.Timeout)
	dialer := &net.Dialer{Timeout: connect, Control: guardDial(cfg.AllowLoopback)}
	tr := &http.Transport{
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: connect,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Raise queues e and returns at once; ctx is not kept. An empty e.ID gets a
// new id and a zero e.At the clock's time. An event without a workspace or
// whose Data does not marshal, one raised after Close, or one that finds
// the queue full is dropped with a log line and a metric.
func (d *Dispatcher) Raise(_ context.Context, e Event) {
	if e.ID == "" {
		e.ID = token.NewID()
	}
	if e.At.IsZero() {
		e.At = d.cfg.Clock.Now()
	}
	log := d.cfg.Logger.With("event", e.ID, "type", e.Type, "workspace", e.Workspace)
	body, err := json.Marshal(e)
	if err != nil || e.Workspace == "" || e.Type == "" {
		d.m.dropped.WithLabelValues(dropInvalid).Inc()
		log.Error("alert dropped: event has no workspace or type, or its data does not marshal", "err", err)
		return
	}
	switch d.lanes.push(e.Workspace, job{ev: &queued{Event: e, body: body}}, d.cfg.QueueSize) {
	case pushClosed:
		d.m.dropped.WithLabelValues(dropClosed).Inc()
		log.Warn("alert dropped: dispatcher closed")
	case pushFull:
		d.m.dropped.WithLabelValues(dropFull).Inc()
		log.Error("alert dropped: queue full", "queue", d.cfg.QueueSize)
	}
}

// Close stops taking events, sends those already queued, lets attempts in
// flight finish, and abandons retries still waiting (each logged, and its
// last attempt recorded again as done). If ctx ends first, attempts in
// flight are cancelled and Close returns ctx's error. Later calls wait
// again and return nil once everything has stopped.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.once.Do(func() {
		close(d.stop) // first, so a retry queued from now on is abandoned by its worker
		d.lanes.close()
	})
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		d.cancel()
		d.client.CloseIdleConnections()
		return nil
	case <-ctx.Done():
		d.cancel()
		d.client.CloseIdleConnections()
		return fmt.Errorf("notify: dispatcher close: %w", ctx.Err())
	}
}

// stopping reports whether Close was called.
func (d *Dispatcher) stopping() bool {
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

// work is one worker: it runs the jobs of one workspace at a time, taking
// turns between workspaces, until Close; then it runs what is still queued
// (events are sent, due retries abandoned) and returns.
func (d *Dispatcher) work() {
	defer d.wg.Done()
	for {
		j, ln, ok := d.lanes.take()
		if !ok {
			return
		}
		d.lanes.done(ln, d.run(j))
	}
}

// run does job j and returns the jobs it leads to: an event's deliveries.
func (d *Dispatcher) run(j job) []job {
	switch {
	case j.x == nil:
		return d.handle(j.ev)
	case j.last != nil && d.stopping():
		d.abandon(j.x, *j.last)
		return nil
	default:
		d.attempt(j.x)
		return nil
	}
}

// handle lists the webhooks of an event's workspace and returns one
// delivery job per subscribed webhook, then e-mails the event.
func (d *Dispatcher) handle(q *queued) []job {
	ctx, cancel := d.storeCtx()
	hooks, err := d.cfg.Store.ListWebhooks(ctx, q.Workspace)
	cancel()
	if err != nil {
		d.lookupFailed(q, err)
		return nil
	}
	var out []job
	for _, h := range hooks {
		if subscribed(h, q.Type) {
			out = append(out, job{ev: q, x: &delivery{ev: q, hook: h, attempt: 1}})
		}
	}
	if d.cfg.Mailer != nil {
		d.mail(q.Event)
	}
	return out
}

// subscribed reports whether h takes events of type typ (no list: all).
func subscribed(h store.Webhook, typ string) bool {
	return len(h.Events) == 0 || slices.Contains(h.Events, typ)
}

// storeCtx bounds one store call. It does not end with Close's context, so
// that the outcome of an attempt cancelled at shutdown is still recorded.
func (d *Dispatcher) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(d.base), d.cfg.StoreTimeout)
}
