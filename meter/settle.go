package meter

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
)

// ErrUnsettled is returned by Settler.Close when its context ended before
// every settlement was stored.
var ErrUnsettled = errors.New("meter: settlements left unstored at shutdown")

// SettleStore is the one store method the Settler needs; store.Money
// satisfies it. Implementations bound their own latency (the Redis store
// sets client timeouts), so the Settler needs no per-call context or timer.
type SettleStore interface {
	SettleBatch(ctx context.Context, s []*store.Settlement, r []store.SettleResult) error
}

// SettleFunc adapts a function that settles one settlement to SettleStore.
type SettleFunc func(ctx context.Context, s *store.Settlement, r *store.SettleResult) error

// SettleBatch calls f for each settlement in order, stopping at the first
// error.
func (f SettleFunc) SettleBatch(ctx context.Context, s []*store.Settlement, r []store.SettleResult) error {
	for i, x := range s {
		if err := f(ctx, x, &r[i]); err != nil {
			return err
		}
	}
	return nil
}

// Workspaces reads a workspace's record, for the billing settings an alert
// carries; store.Store satisfies it.
type Workspaces interface {
	GetWorkspace(ctx context.Context, id string) (*store.Workspace, error)
}

// SettleObserver receives the Settler's measurements; *metrics.Metrics
// satisfies it.
type SettleObserver interface {
	Settled(model string, t store.Tokens, cost int64, lag time.Duration)
	SettleFailed()
	SetSettleQueue(n int)
	SettleQueueFull()
}

// SettlerOptions configure a Settler. The zero value is usable.
type SettlerOptions struct {
	Workers    int           // concurrent SettleBatch calls; 0 means 1 (one worker lets batches grow while the store works)
	Batch      int           // settlements a worker takes at once, stored in one SettleBatch per workspace; 0 means 256
	MaxQueue   int           // settlements waiting (besides the batches workers hold), beyond which Submit waits for room; 0 means 65536
	MinBackoff time.Duration // first wait after a failed Settle; 0 means 50 ms
	MaxBackoff time.Duration // longest wait between retries; 0 means 5 s
	Timeout    time.Duration // bound of a billing read for an alert, and of a settlement after Close; 0 means 10 s
	Alerter    notify.Alerter
	Workspaces Workspaces // billing settings for credits alerts; nil sends them without threshold and amount
	Observer   SettleObserver
	Logger     *slog.Logger
	Now        func() time.Time // clock for lags and alert times; nil means time.Now
}

// Settler is a queue in front of the store's SettleBatch: the gateway
// submits each admitted request's settlement when its response ends, and
// its workers (one by default) store them off the request path. A worker
// takes every settlement waiting, up to Batch, and stores them with one
// SettleBatch per workspace, in the order submitted: while the store works
// on one batch the next one gathers, so under load one store call (one
// Redis script, one bbolt transaction) settles many requests, which is
// what keeps metering cheap; when idle a batch is one settlement. A batch
// that fails is retried whole with capped exponential backoff until the
// store answers, so usage seen while the store is down is settled once it
// returns; none is dropped (except a settlement the store refuses for
// good, one of a deleted workspace or one it cannot record, which is
// logged: a batch the store refuses so is retried one settlement at a
// time, so only those are dropped). The queue is bounded: at MaxQueue,
// Submit waits for room, slowing the data plane rather than losing usage,
// and says so in a log line and a metric. Settlements are idempotent in the
// store (per request id), so a retry after an unknown outcome never
// charges twice.
//
// The Settler raises the alerts a settlement reports (credits.low,
// credits.auto_topup_requested) and, through CapReached, cap.reached. It is
// safe for concurrent use. Close drains it.
type Settler struct {
	st    SettleStore
	o     SettlerOptions
	queue chan *job
	stop  chan struct{} // closed when the workers must end
	once  sync.Once     // closes stop
	wg    sync.WaitGroup

	mu      sync.Mutex
	pending int           // submitted and not yet stored or given up
	idle    chan struct{} // closed when pending drops to 0; nil when nobody waits
	closed  atomic.Bool
	full    atomic.Bool // the queue is at its bound (for one log line per episode)
	clamped atomic.Bool // a clamped token count was logged
}

// job is one queued settlement and when its response ended.
type job struct {
	s     store.Settlement
	ended time.Time
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

// NewSettler starts a Settler's workers over st.
func NewSettler(st SettleStore, o SettlerOptions) *Settler {
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 1 << 16
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 50 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Settler{st: st, o: o, queue: make(chan *job, o.MaxQueue), stop: make(chan struct{})}
	s.wg.Add(o.Workers)
	for range o.Workers {
		go s.work()
	}
	return s
}

// Submit queues x, settled at ended (the end of its response, for the lag
// metric). It copies x, so the caller may reuse it at once; x's strings
// must not change afterwards (the store may keep them). It waits only when
// the queue is full, and never past Close: after Close (or once Close gave
// up and stopped the workers while it waited) it stores x itself, once,
// within Timeout, and logs it; a settlement the store still refuses then
// is logged as not stored.
func (s *Settler) Submit(x *store.Settlement, ended time.Time) {
	j := jobPool.Get().(*job)
	j.s, j.ended = *x, ended
	s.add(1) // before reading closed: Close either sees it pending or Submit sees closed
	if s.closed.Load() {
		s.add(-1)
		s.settleLate(j)
		return
	}
	select {
	case s.queue <- j:
	default:
		if !s.full.Swap(true) {
			s.o.Logger.Error("meter: settlement queue is full; responses wait for the store to catch up",
				"bound", s.o.MaxQueue)
		}
		if s.o.Observer != nil {
			s.o.Observer.SettleQueueFull()
		}
		select {
		case s.queue <- j:
		case <-s.stop:
			// Close gave up and stopped the workers: nothing drains the
			// queue any more, so store it here, bounded by Timeout.
			s.add(-1)
			s.settleLate(j)
		}
	}
}

// Pending returns the number of settlements submitted and not yet stored.
func (s *Settler) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// Close waits until every submitted settlement is stored, then stops the
// workers. Call it after the gateway has drained, so nothing more is
// submitted (SPEC §7: usage is settled before exit). When ctx ends first it
// logs each settlement left (request id, workspace and cost, for a manual
// reconciliation), stops, and returns ErrUnsettled. Calling it again
// returns at once.
func (s *Settler) Close(ctx context.Context) error {
	s.closed.Store(true)
	err := s.wait(ctx)
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
	if err == nil {
		return nil
	}
	n := 0
	for {
		select {
		case j := <-s.queue:
			n++
			s.o.Logger.Error("meter: settlement not stored at shutdown", "request_id", j.s.RequestID,
				"workspace", j.s.Workspace, "cost", j.s.Cost)
		default:
			s.o.Logger.Error("meter: shutdown left settlements unstored", "queued", n, "pending", s.Pending())
			return ErrUnsettled
		}
	}
}

// wait returns once nothing is pending, or ctx's error.
func (s *Settler) wait(ctx context.Context) error {
	s.mu.Lock()
	if s.pending == 0 {
		s.mu.Unlock()
		return nil
	}
	if s.idle == nil {
		s.idle = make(chan struct{})
	}
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add changes the pending count by n and wakes Close at zero.
func (s *Settler) add(n int) {
	s.mu.Lock()
	s.pending += n
	p := s.pending
	if p == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
	s.mu.Unlock()
	if s.o.Observer != nil {
		s.o.Observer.SetSettleQueue(p)
	}
}

// work stores queued settlements until stop, a batch at a time.
func (s *Settler) work() {
	defer s.wg.Done()
	b := newSettleBatch(s.o.Batch)
	for {
		select {
		case <-s.stop:
			return
		case j := <-s.queue:
			b.jobs = append(b.jobs[:0], j)
		}
	fill:
		for len(b.jobs) < s.o.Batch {
			select {
			case j := <-s.queue:
				b.jobs = append(b.jobs, j)
			default:
				break fill
			}
		}
		if len(s.queue) < s.o.MaxQueue/2 {
			s.full.Store(false)
		}
		s.settleAll(b)
		s.add(-len(b.jobs))
		for i, j := range b.jobs {
			*j = job{}
			jobPool.Put(j)
			b.jobs[i] = nil
		}
	}
}

// settleBatch is a worker's batch and the scratch space of its store
// calls, reused from batch to batch.
type settleBatch struct {
	jobs  []*job
	taken []bool // jobs already in a workspace's group
	group []*job
	sts   []*store.Settlement
	res   []store.SettleResult
}

func newSettleBatch(n int) *settleBatch {
	return &settleBatch{jobs: make([]*job, 0, n), taken: make([]bool, n), group: make([]*job, 0, n),
		sts: make([]*store.Settlement, 0, n), res: make([]store.SettleResult, n)}
}

// settleAll stores b's jobs with one SettleBatch per workspace, in order
// of first appearance, each workspace's jobs in the order submitted.
func (s *Settler) settleAll(b *settleBatch) {
	clear(b.taken)
	for i, j := range b.jobs {
		if b.taken[i] {
			continue
		}
		b.group, b.sts = b.group[:0], b.sts[:0]
		for k := i; k < len(b.jobs); k++ {
			if !b.taken[k] && b.jobs[k].s.Workspace == j.s.Workspace {
				b.taken[k] = true
				b.group = append(b.group, b.jobs[k])
				b.sts = append(b.sts, &b.jobs[k].s)
			}
		}
		s.settle(b.group, b.sts, b.res[:len(b.group)])
	}
}

// settle stores the jobs g of one workspace (sts their settlements, res
// room for their results), retrying with backoff while the store fails,
// and records each stored one. A batch the store refuses for good (the
// workspace is gone, or a settlement it cannot record) is retried one job
// at a time, so that only the refused ones are dropped and logged.
func (s *Settler) settle(g []*job, sts []*store.Settlement, res []store.SettleResult) {
	for attempt := 0; ; attempt++ {
		clear(res)
		err := s.st.SettleBatch(context.Background(), sts, res) // the store bounds its own latency
		if err == nil {
			for i, j := range g {
				s.done(j, &res[i])
			}
			return
		}
		if s.o.Observer != nil {
			s.o.Observer.SettleFailed()
		}
		j := g[0]
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidSettlement) {
			if len(g) > 1 {
				for _, j := range g {
					var one [1]store.SettleResult
					s.settle([]*job{j}, []*store.Settlement{&j.s}, one[:])
				}
				return
			}
			s.o.Logger.Error("meter: settlement refused by the store, dropped", "request_id", j.s.RequestID,
				"workspace", j.s.Workspace, "cost", j.s.Cost, "err", err)
			return
		}
		if attempt == 0 || attempt%20 == 0 {
			s.o.Logger.Warn("meter: settle failed, retrying", "request_id", j.s.RequestID, "batch", len(g),
				"attempt", attempt+1, "err", err)
		}
		if !s.pause(attempt) {
			for _, j := range g {
				s.o.Logger.Error("meter: settlement not stored at shutdown", "request_id", j.s.RequestID,
					"workspace", j.s.Workspace, "cost", j.s.Cost)
			}
			return
		}
	}
}

// pause sleeps the backoff of the attempt-th failure; false when stop came
// first.
func (s *Settler) pause(attempt int) bool {
	t := time.NewTimer(s.backoff(attempt))
	select {
	case <-t.C:
		return true
	case <-s.stop:
		t.Stop()
		return false
	}
}

// backoff returns the wait after the attempt-th failure: MinBackoff
// doubling up to MaxBackoff, with up to a quarter of jitter so that
// replicas do not retry in step.
func (s *Settler) backoff(attempt int) time.Duration {
	d := s.o.MaxBackoff
	if attempt < 30 {
		d = min(s.o.MinBackoff<<attempt, s.o.MaxBackoff)
	}
	return d - rand.N(d/4+1)
}

// done records a stored settlement and raises the alerts it reported,
// whatever Settled says: a settlement that charged nothing (settled
// before, or its hold expired) can still report a crossing the store found
// on its way, such as an expired hold's, and the store reports each
// crossing once.
func (s *Settler) done(j *job, res *store.SettleResult) {
	if res.LowBalance || res.AutoTopUp {
		s.creditAlerts(j.s.Workspace, res)
	}
	if !res.Settled {
		return // settled before: counted then
	}
	if s.o.Observer != nil {
		s.o.Observer.Settled(j.s.Record.Model, j.s.Record.Tokens, j.s.Cost, s.o.Now().Sub(j.ended))
	}
	s.noteCapped(&j.s)
}

// noteCapped logs a settlement whose cost reached MaxCost or one of whose
// token counts reached usage.MaxCount: figures only a broken or hostile
// upstream reports, charged at the cap. The cost is logged each time, the
// tokens once per Settler.
func (s *Settler) noteCapped(x *store.Settlement) {
	t := x.Record.Tokens
	if x.Cost >= MaxCost {
		s.o.Logger.Warn("meter: settlement cost capped", "request_id", x.RequestID, "workspace", x.Workspace,
			"model", x.Record.Model, "cost", x.Cost)
	}
	if max(t.Input, t.Output, t.CachedRead, t.CachedWrite, t.Reasoning) >= usage.MaxCount && !s.clamped.Swap(true) {
		s.o.Logger.Warn("meter: upstream reported a token count at or past the clamp (logged once)",
			"request_id", x.RequestID, "workspace", x.Workspace, "model", x.Record.Model, "clamp", usage.MaxCount)
	}
}

// settleLate stores a settlement submitted after Close, in the caller.
func (s *Settler) settleLate(j *job) {
	s.o.Logger.Warn("meter: settlement submitted after Close", "request_id", j.s.RequestID)
	var res [1]store.SettleResult
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	if err := s.st.SettleBatch(ctx, []*store.Settlement{&j.s}, res[:]); err != nil {
		if s.o.Observer != nil {
			s.o.Observer.SettleFailed()
		}
		s.o.Logger.Error("meter: settlement not stored at shutdown", "request_id", j.s.RequestID,
			"workspace", j.s.Workspace, "cost", j.s.Cost, "err", err)
		return
	}
	s.done(j, &res[0])
}
