package notify

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// attempt makes one attempt of x, records it, and schedules the next one
// when the failure is worth retrying and attempts are left.
func (d *Dispatcher) attempt(x *delivery) {
	id := x.ev.ID + "." + x.hook.ID + "." + strconv.Itoa(x.attempt)
	rec := store.Delivery{ID: id, WebhookID: x.hook.ID, WorkspaceID: x.ev.Workspace, EventID: x.ev.ID,
		Event: x.ev.Type, Attempt: x.attempt, At: d.cfg.Clock.Now()}
	res := d.post(x, id)
	rec.Status, rec.Error = res.status, res.err
	outcome, retry := outcomeDelivered, false
	switch {
	case res.ok():
	case !res.retry:
		outcome = outcomeFailed
	case x.attempt >= d.cfg.MaxAttempts:
		outcome, rec.Error = outcomeFailed, fmt.Sprintf("%s; gave up after attempt %d", rec.Error, x.attempt)
	case d.stopping():
		outcome, rec.Error = outcomeAbandoned, rec.Error+"; retries abandoned at shutdown"
	case d.retrying.Load() >= int64(d.cfg.MaxRetrying):
		outcome, rec.Error = outcomeFailed, rec.Error+"; retry queue full, gave up"
	default:
		outcome, retry = outcomeRetry, true
	}
	rec.Done = !retry
	d.m.attempts.WithLabelValues(outcome).Inc()
	d.record(&rec)
	if outcome == outcomeAbandoned {
		d.logAbandoned(x, x.attempt+1)
	}
	if retry {
		d.schedule(x, d.delay(x.attempt, res.retryAfter), rec)
	}
}

// delay is the wait after failed attempt n: Backoff[n-1] (the last entry
// repeats), or a receiver's longer Retry-After capped at the longest entry.
func (d *Dispatcher) delay(n int, retryAfter time.Duration) time.Duration {
	b := d.cfg.Backoff
	wait := b[min(n, len(b))-1]
	return max(wait, min(retryAfter, b[len(b)-1]))
}

// schedule waits out delay on the clock, then queues the next attempt in
// the workspace's lane; if Close comes first, it records last again as done
// (abandoned).
func (d *Dispatcher) schedule(x *delivery, delay time.Duration, last store.Delivery) {
	d.retrying.Add(1)
	d.wg.Add(1) // a worker's count is held, so Close's Wait has not returned
	next := &delivery{ev: x.ev, hook: x.hook, attempt: x.attempt + 1}
	go func() {
		defer d.wg.Done()
		defer d.retrying.Add(-1)
		select {
		case <-d.cfg.Clock.After(delay):
			if d.lanes.push(x.ev.Workspace, job{ev: x.ev, x: next, last: &last}, 0) == pushed {
				return
			}
		case <-d.stop:
		}
		d.abandon(next, last)
	}()
}

// abandon records last, the attempt before x, again as done because x is
// dropped at shutdown (retries live in memory only), and logs it.
func (d *Dispatcher) abandon(x *delivery, last store.Delivery) {
	last.Done, last.Error = true, last.Error+"; retries abandoned at shutdown"
	d.m.attempts.WithLabelValues(outcomeAbandoned).Inc()
	d.record(&last)
	d.logAbandoned(x, x.attempt)
}

// lookupFailed retries the webhook lookup of q after the backoff, as an
// attempt would be retried, so that a store outage does not lose the alert;
// a workspace that no longer exists, the last attempt or shutdown drop it
// (logged and counted).
func (d *Dispatcher) lookupFailed(q *queued, err error) {
	q.lookups++
	log := d.cfg.Logger.With("event", q.ID, "type", q.Type, "workspace", q.Workspace, "lookups", q.lookups)
	if errors.Is(err, store.ErrNotFound) || q.lookups >= d.cfg.MaxAttempts || d.stopping() {
		d.m.dropped.WithLabelValues(dropStore).Inc()
		log.Error("alert lost: cannot list the workspace's webhooks", "err", err)
		return
	}
	log.Warn("alert delayed: cannot list the workspace's webhooks; will retry", "err", err)
	d.wg.Add(1) // a worker's count is held, so Close's Wait has not returned
	go func() {
		defer d.wg.Done()
		select {
		case <-d.cfg.Clock.After(d.delay(q.lookups, 0)):
			if d.lanes.push(q.Workspace, job{ev: q}, 0) == pushed {
				return
			}
		case <-d.stop:
		}
		d.m.dropped.WithLabelValues(dropClosed).Inc()
		log.Warn("alert lost at shutdown: its webhooks were never listed")
	}()
}

// record stores one attempt's outcome; a store failure is logged.
func (d *Dispatcher) record(r *store.Delivery) {
	ctx, cancel := d.storeCtx()
	defer cancel()
	if err := d.cfg.Store.RecordDelivery(ctx, r); err != nil {
		d.cfg.Logger.Error("webhook delivery not recorded", "delivery", r.ID, "webhook", r.WebhookID, "err", err)
	}
}

// logAbandoned logs that attempt n of x was dropped at shutdown (retries
// live in memory only).
func (d *Dispatcher) logAbandoned(x *delivery, n int) {
	d.cfg.Logger.Warn("webhook retry abandoned at shutdown", "event", x.ev.ID, "type", x.ev.Type,
		"workspace", x.ev.Workspace, "webhook", x.hook.ID, "attempt", n)
}
