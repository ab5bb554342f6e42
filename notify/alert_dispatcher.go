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
type Dispatcher struct {
	cfg    DispatcherConfig
	client *http.Client
	m      *alertMetrics

	events  chan queued    // bounded: cfg.QueueSize
	retries chan *delivery // retries whose backoff has passed
	again   chan *queued   // events whose webhook lookup failed, after their backoff

	mu       sync.RWMutex // Raise holds it shared, Close exclusive, so nothing is queued after Close
	closed   bool
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
	d := &Dispatcher{cfg: cfg, client: newWebhookClient(cfg), m: m,
		events: make(chan queued, cfg.QueueSize), retries: make(chan *delivery), again: make(chan *queued), stop: make(chan struct{})}
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
// refused always.
func newWebhookClient(cfg DispatcherConfig) *http.Client {
	dialer := &net.Dialer{Timeout: cfg.Timeout, Control: guardDial(cfg.AllowLoopback)}
	tr := &http.Transport{
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: cfg.Timeout,
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
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		d.m.dropped.WithLabelValues(dropClosed).Inc()
		log.Warn("alert dropped: dispatcher closed")
		return
	}
	select {
	case d.events <- queued{Event: e, body: body}:
	default:
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
		d.mu.Lock()
		d.closed = true
		close(d.stop)
		d.mu.Unlock()
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

// work is one worker: it sends new events and due retries until Close,
// then drains the events still queued.
func (d *Dispatcher) work() {
	defer d.wg.Done()
	for {
		select {
		case q := <-d.events:
			d.handle(&q)
		case r := <-d.retries:
			d.attempt(r)
		case q := <-d.again:
			d.handle(q)
		case <-d.stop:
			for {
				select {
				case q := <-d.events:
					d.handle(&q)
				default:
					return
				}
			}
		}
	}
}

// handle fans one event out to the subscribed webhooks, then e-mails it.
func (d *Dispatcher) handle(q *queued) {
	ctx, cancel := d.storeCtx()
	hooks, err := d.cfg.Store.ListWebhooks(ctx, q.Workspace)
	cancel()
	if err != nil {
		d.lookupFailed(q, err)
		return
	}
	for _, h := range hooks {
		if subscribed(h, q.Type) {
			d.attempt(&delivery{ev: q, hook: h, attempt: 1})
		}
	}
	if d.cfg.Mailer != nil {
		d.mail(q.Event)
	}
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
