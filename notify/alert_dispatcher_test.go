package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// stores lists the real backends every Dispatcher test runs on.
var stores = map[string]opener{"embedded": openEmbedded, "redis": openRedis}

// eachStore runs f as a subtest on every backend.
func eachStore(t *testing.T, f func(t *testing.T, open opener)) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) { f(t, open) })
	}
}

// TestDeliveryIsSignedAndVerifiable: a receiver can authenticate the body with Verify, the doc's snippet and a plain HMAC.
func TestDeliveryIsSignedAndVerifiable(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		rc := newReceiver(t, status(http.StatusNoContent))
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_sig"))
		got := rc.next(t)
		sig := got.header.Get(HeaderSignature)
		if err := Verify([]byte(h.Secret), sig, got.body, e.clock.Now(), 0); err != nil {
			t.Fatalf("Verify: %v (header %q)", err, sig)
		}
		if !verifyTollgate(h.Secret, sig, got.body, e.clock.Now()) {
			t.Fatal("the documented Go snippet refused the delivery")
		}
		mac := hmac.New(sha256.New, []byte(h.Secret))
		mac.Write([]byte(strconv.FormatInt(e.clock.Now().Unix(), 10) + "." + string(got.body)))
		if want := "v1=" + hex.EncodeToString(mac.Sum(nil)); !strings.HasSuffix(sig, want) {
			t.Fatalf("header %q, want it to end with %q", sig, want)
		}
		wantID := "evt_sig." + h.ID + ".1"
		for k, want := range map[string]string{HeaderEvent: EventCreditsLow, HeaderDelivery: wantID,
			"Content-Type": "application/json", "User-Agent": DefaultUserAgent} {
			if v := got.header.Get(k); v != want {
				t.Errorf("%s: %q, want %q", k, v, want)
			}
		}
		var body struct {
			ID, Type, Workspace string
			Data                CreditsData
		}
		if err := json.Unmarshal(got.body, &body); err != nil || body.ID != "evt_sig" || body.Type != EventCreditsLow || body.Data.Balance != 4_500_000 {
			t.Fatalf("body %s (%v)", got.body, err)
		}
		ds := e.waitDeliveries(h.ID, func(ds []store.Delivery) bool { return len(ds) == 1 })
		if d := ds[0]; d.ID != wantID || d.Attempt != 1 || d.Status != 204 || !d.Done || d.Error != "" || d.EventID != "evt_sig" || d.Event != EventCreditsLow {
			t.Fatalf("delivery %+v", d)
		}
	})
}

// TestServerErrorIsRetriedUntilSuccess: a 500 is retried after the first backoff, re-signed, and both attempts are recorded.
func TestServerErrorIsRetriedUntilSuccess(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		rc := newReceiver(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				w.WriteHeader(http.StatusInternalServerError)
			}
		})
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_retry"))
		first := rc.next(t)
		if wait := e.clock.nextWait(t); wait != 5*time.Second {
			t.Fatalf("first backoff %s, want 5s", wait)
		}
		e.clock.Advance(5 * time.Second)
		second := rc.next(t)
		if string(second.body) != string(first.body) || second.header.Get(HeaderDelivery) != "evt_retry."+h.ID+".2" {
			t.Fatalf("retry differs: %s / %q", second.body, second.header.Get(HeaderDelivery))
		}
		if err := Verify([]byte(h.Secret), second.header.Get(HeaderSignature), second.body, e.clock.Now(), time.Second); err != nil {
			t.Fatalf("retry not signed at its own time: %v", err)
		}
		ds := e.waitDeliveries(h.ID, func(ds []store.Delivery) bool { return len(ds) == 2 && ds[1].Done })
		if d := ds[0]; d.Attempt != 1 || d.Status != 500 || d.Done || d.Error != "receiver answered 500 Internal Server Error" {
			t.Errorf("attempt 1: %+v", d)
		}
		if d := ds[1]; d.Attempt != 2 || d.Status != 200 || d.Error != "" {
			t.Errorf("attempt 2: %+v", d)
		}
	})
}

// TestClientErrorIsNotRetried: a 400 means the receiver will never take this body, so it is given up at once.
func TestClientErrorIsNotRetried(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		rc := newReceiver(t, status(http.StatusBadRequest))
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_400"))
		e.close()
		ds := e.deliveries(h.ID)
		if len(ds) != 1 || ds[0].Status != 400 || !ds[0].Done || !strings.Contains(ds[0].Error, "400 Bad Request") {
			t.Fatalf("deliveries %+v", ds)
		}
		if len(e.clock.armed) != 0 || len(rc.got) != 1 {
			t.Fatalf("%d retries scheduled, %d requests", len(e.clock.armed), len(rc.got))
		}
	})
}

// TestOnlySubscribedWebhooksReceive: a webhook gets the types it lists, or all of them when it lists none.
func TestOnlySubscribedWebhooksReceive(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		low, capped, all := newReceiver(t, status(200)), newReceiver(t, status(200)), newReceiver(t, status(200))
		hLow, hCap, hAll := e.hook(low.URL, EventCreditsLow, EventAutoTopUp), e.hook(capped.URL, EventCapReached), e.hook(all.URL)
		e.d.Raise(e.ctx, e.low("evt_filter"))
		e.close()
		for _, c := range []struct {
			h    store.Webhook
			rc   *receiver
			want int
		}{{hLow, low, 1}, {hCap, capped, 0}, {hAll, all, 1}} {
			if n := len(e.deliveries(c.h.ID)); n != c.want || len(c.rc.got) != c.want {
				t.Errorf("webhook %v: %d deliveries, %d requests, want %d", c.h.Events, n, len(c.rc.got), c.want)
			}
		}
	})
}

// TestHangingReceiverIsCutByTheAttemptTimeout: a receiver that never answers cannot hold a worker past Timeout.
func TestHangingReceiverIsCutByTheAttemptTimeout(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, func(c *DispatcherConfig) { c.Timeout, c.MaxAttempts = 100*time.Millisecond, 1 })
		rc := newReceiver(t, func(_ int64, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_hang"))
		e.close()
		ds := e.deliveries(h.ID)
		if len(ds) != 1 || !ds[0].Done || ds[0].Status != 0 || ds[0].Error != "no answer within 100ms; gave up after attempt 1" {
			t.Fatalf("deliveries %+v", ds)
		}
	})
}

// TestConcurrentRaisesDeliverEachOnce: many goroutines raising at once lose and duplicate nothing.
func TestConcurrentRaisesDeliverEachOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		rc := newReceiver(t, status(200))
		h := e.hook(rc.URL)
		var wg sync.WaitGroup
		for g := range 20 {
			wg.Go(func() {
				for i := range 5 {
					e.d.Raise(e.ctx, e.low("evt_"+strconv.Itoa(g)+"_"+strconv.Itoa(i)))
				}
			})
		}
		wg.Wait()
		e.close()
		ids := map[string]bool{}
		for len(rc.got) > 0 {
			var b struct{ ID string }
			_ = json.Unmarshal((<-rc.got).body, &b)
			ids[b.ID] = true
		}
		ds := e.deliveries(h.ID)
		done := 0
		for _, d := range ds {
			if d.Done && d.Status == 200 {
				done++
			}
		}
		if len(ids) != 100 || rc.n.Load() != 100 || len(ds) != 100 || done != 100 {
			t.Fatalf("%d distinct events in %d requests, %d deliveries (%d done), want 100 each", len(ids), rc.n.Load(), len(ds), done)
		}
	})
}

// TestRetryWaitingAtCloseIsAbandonedAndRecorded: retries live in memory, so shutdown must say which ones it dropped.
func TestRetryWaitingAtCloseIsAbandonedAndRecorded(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		rc := newReceiver(t, status(http.StatusServiceUnavailable))
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_abandon"))
		e.clock.nextWait(t)
		e.close()
		ds := e.deliveries(h.ID)
		if len(ds) != 1 || !ds[0].Done || ds[0].Status != 503 || !strings.HasSuffix(ds[0].Error, "; retries abandoned at shutdown") {
			t.Fatalf("deliveries %+v", ds)
		}
	})
}

// TestGivesUpAfterMaxAttempts: a receiver down for good stops being tried after the configured attempts.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, func(c *DispatcherConfig) { c.MaxAttempts, c.Backoff = 3, []time.Duration{time.Second, time.Minute} })
		rc := newReceiver(t, status(http.StatusBadGateway))
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_max"))
		for _, want := range []time.Duration{time.Second, time.Minute} {
			if got := e.clock.nextWait(t); got != want {
				t.Fatalf("backoff %s, want %s", got, want)
			}
			e.clock.Advance(want)
		}
		ds := e.waitDeliveries(h.ID, func(ds []store.Delivery) bool { return len(ds) == 3 && ds[2].Done })
		if !strings.HasSuffix(ds[2].Error, "gave up after attempt 3") || ds[0].Done || ds[1].Done {
			t.Fatalf("deliveries %+v", ds)
		}
		e.close()
		if len(e.clock.armed) != 0 || rc.n.Load() != 3 {
			t.Fatalf("%d more retries scheduled, %d requests", len(e.clock.armed), rc.n.Load())
		}
	})
}

// TestRetryAfterStretchesTheBackoff: a receiver asking for a minute gets it instead of the 5 s default.
func TestRetryAfterStretchesTheBackoff(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		rc := newReceiver(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "60")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		})
		h := e.hook(rc.URL)
		e.d.Raise(e.ctx, e.low("evt_429"))
		if got := e.clock.nextWait(t); got != time.Minute {
			t.Fatalf("backoff %s, want 1m", got)
		}
		e.clock.Advance(time.Minute)
		e.waitDeliveries(h.ID, func(ds []store.Delivery) bool { return len(ds) == 2 && ds[1].Done && ds[1].Status == 200 })
	})
}

// TestLoopbackReceiverRefusedByDefault: without AllowLoopback a webhook cannot reach the gateway host.
func TestLoopbackReceiverRefusedByDefault(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, func(c *DispatcherConfig) { c.AllowLoopback = false })
		rc := newReceiver(t, status(200))
		h := e.hook(rc.URL + "/hook?token=s3cr3t")
		e.d.Raise(e.ctx, e.low("evt_ssrf"))
		e.close()
		ds := e.deliveries(h.ID)
		if len(ds) != 1 || !ds[0].Done || !strings.Contains(ds[0].Error, "127.0.0.1 is a loopback address") || strings.Contains(ds[0].Error, "s3cr3t") {
			t.Fatalf("deliveries %+v", ds)
		}
		if rc.n.Load() != 0 {
			t.Fatal("the receiver was reached")
		}
	})
}
