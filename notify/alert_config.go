package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/store"
)

// AlertStore is what a Dispatcher needs of the store; store.Store
// implements it. ListWebhooks and RecordDelivery serve the webhooks,
// GetWorkspace and ListMembers the e-mails.
type AlertStore interface {
	ListWebhooks(ctx context.Context, workspace string) ([]store.Webhook, error)
	RecordDelivery(ctx context.Context, d *store.Delivery) error
	GetWorkspace(ctx context.Context, id string) (*store.Workspace, error)
	ListMembers(ctx context.Context, workspace string) ([]store.Member, error)
}

// Defaults of DispatcherConfig, used for zero fields.
const (
	DefaultWebhookTimeout = 10 * time.Second // one attempt, connect to last byte
	DefaultConnectTimeout = 3 * time.Second  // connecting, TCP and TLS, within an attempt
	DefaultQueueSize      = 1024             // events waiting for a worker
	DefaultWorkers        = 8                // each workspace uses one at a time
	DefaultMaxRetrying    = 10_000           // deliveries waiting out a backoff
	DefaultStoreTimeout   = 5 * time.Second
	DefaultUserAgent      = "Tollgate-Webhooks/1"
)

// DefaultBackoff is the wait before each retry: after attempt 1 fails, 5 s;
// after attempt 2, 30 s; and so on. With it, MaxAttempts defaults to 6.
var DefaultBackoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour}

// DispatcherConfig configures NewDispatcher. Only Store is required; zero
// values take the defaults above.
type DispatcherConfig struct {
	Store AlertStore // required
	// Mailer, when set, also e-mails every event to the workspace's active
	// owners and admins, one message per event.
	Mailer Mailer
	Clock  Clock        // nil: the system clock
	Logger *slog.Logger // nil: discards
	// Registry, when set, receives the dispatcher's metrics.
	Registry *prometheus.Registry
	// AllowLoopback lets webhooks reach loopback addresses and localhost
	// names (tests, serve --dev). Link-local and metadata addresses stay
	// refused.
	AllowLoopback bool
	// Timeout bounds one delivery attempt, from connecting to reading the
	// end of the answer.
	Timeout time.Duration
	// ConnectTimeout bounds connecting within an attempt: the TCP connect
	// and the TLS handshake, each. It is short so that a receiver that
	// drops packets fails fast; it never exceeds Timeout.
	ConnectTimeout time.Duration
	// Backoff lists the waits before retries 1, 2, …; the last one repeats
	// if MaxAttempts needs more. Every entry must be positive.
	Backoff []time.Duration
	// MaxAttempts caps the attempts per event and webhook, the first one
	// included; default len(Backoff)+1.
	MaxAttempts int
	// QueueSize bounds the events waiting for a worker; Raise drops (and
	// logs) an event that finds the queue full.
	QueueSize int
	// Workers is the number of goroutines sending. A workspace keeps at
	// most one of them busy at a time (see Dispatcher), so Workers is also
	// how many workspaces' alerts go out at once.
	Workers int
	// MaxRetrying bounds the deliveries waiting out a backoff; beyond it a
	// failed attempt is given up at once (and recorded so).
	MaxRetrying int
	// StoreTimeout bounds each store call.
	StoreTimeout time.Duration
	// UserAgent is sent with every delivery.
	UserAgent string
}

// ErrDispatcherConfig is wrapped by every error NewDispatcher returns.
var ErrDispatcherConfig = errors.New("notify: invalid dispatcher config")

// withDefaults checks c and returns it with its zero fields filled.
func (c DispatcherConfig) withDefaults() (DispatcherConfig, error) {
	bad := func(format string, args ...any) (DispatcherConfig, error) {
		return c, fmt.Errorf("%w: "+format, append([]any{ErrDispatcherConfig}, args...)...)
	}
	switch {
	case c.Store == nil:
		return bad("store is required")
	case c.Timeout < 0, c.ConnectTimeout < 0, c.StoreTimeout < 0:
		return bad("timeouts must not be negative")
	case c.MaxAttempts < 0, c.QueueSize < 0, c.Workers < 0, c.MaxRetrying < 0:
		return bad("max attempts, queue size, workers and max retrying must not be negative")
	}
	for i, d := range c.Backoff {
		if d <= 0 {
			return bad("backoff[%d] is %s; every wait must be positive", i, d)
		}
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	c.Backoff = append([]time.Duration(nil), c.Backoff...)
	if c.MaxAttempts == 0 {
		c.MaxAttempts = len(c.Backoff) + 1
	}
	if c.MaxAttempts > 1 && len(c.Backoff) == 0 {
		return bad("max attempts is %d but backoff is empty", c.MaxAttempts)
	}
	c.Clock = cmp.Or[Clock](c.Clock, systemClock{})
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	c.Timeout = cmp.Or(c.Timeout, DefaultWebhookTimeout)
	c.ConnectTimeout = cmp.Or(c.ConnectTimeout, DefaultConnectTimeout)
	c.StoreTimeout = cmp.Or(c.StoreTimeout, DefaultStoreTimeout)
	c.QueueSize = cmp.Or(c.QueueSize, DefaultQueueSize)
	c.Workers = cmp.Or(c.Workers, DefaultWorkers)
	c.MaxRetrying = cmp.Or(c.MaxRetrying, DefaultMaxRetrying)
	c.UserAgent = cmp.Or(c.UserAgent, DefaultUserAgent)
	return c, nil
}
