package notify

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// TestLanesRunOneJobPerWorkspaceInTurn: a workspace never has two jobs
// running, and ready workspaces take turns, so a busy tenant cannot
// starve the others of workers.
func TestLanesRunOneJobPerWorkspaceInTurn(t *testing.T) {
	l := newLanes()
	ev := func(id string) job { return job{ev: &queued{Event: Event{ID: id}}} }
	for _, p := range []struct{ ws, id string }{{"A", "a1"}, {"A", "a2"}, {"A", "a3"}, {"B", "b1"}, {"C", "c1"}} {
		if r := l.push(p.ws, ev(p.id), 0); r != pushed {
			t.Fatalf("push %s: %v", p.id, r)
		}
	}
	if r := l.push("D", ev("d1"), 5); r != pushFull {
		t.Fatalf("a sixth event with room for five: %v, want pushFull", r)
	}
	take := func() (string, *lane) {
		t.Helper()
		j, ln, ok := l.take()
		if !ok {
			t.Fatal("take: nothing")
		}
		return j.ev.ID, ln
	}
	a1, la := take()
	b1, lb := take()
	c1, lc := take()
	if a1 != "a1" || b1 != "b1" || c1 != "c1" {
		t.Fatalf("took %s %s %s while a1 runs; want a1 b1 c1 (A waits for a1)", a1, b1, c1)
	}
	l.done(lb, nil)
	l.done(lc, nil)
	l.done(la, []job{{ev: &queued{Event: Event{ID: "a1"}}, x: &delivery{attempt: 1}}})
	if got, _ := take(); got != "a1" {
		t.Fatalf("took %s, want a1's delivery before a2", got)
	}
	l.close()
	if r := l.push("A", ev("late"), 0); r != pushClosed {
		t.Fatalf("push after close: %v", r)
	}
	if len(l.ready) != 0 {
		t.Fatalf("%d lanes ready while A runs", len(l.ready))
	}
	l.done(la, nil)
	for _, want := range []string{"a2", "a3"} {
		got, ln := take()
		if got != want {
			t.Fatalf("after close took %s, want %s: queued work still runs", got, want)
		}
		l.done(ln, nil)
	}
	if _, _, ok := l.take(); ok || len(l.byWS) != 0 {
		t.Fatalf("take after the drain: %v, %d lanes left", ok, len(l.byWS))
	}
}

// TestHangingReceiverDoesNotDelayOtherWorkspaces: a tenant whose webhook
// hangs until the attempt timeout keeps one attempt in flight, not every
// worker, so another workspace's alert is delivered meanwhile (review 5
// #12); the hanging tenant's events are delivered in turn once it answers.
func TestHangingReceiverDoesNotDelayOtherWorkspaces(t *testing.T) {
	eachStore(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, func(c *DispatcherConfig) { c.Workers, c.Timeout = 2, time.Hour })
		release := make(chan struct{})
		var once sync.Once
		free := func() { once.Do(func() { close(release) }) }
		defer free()
		slow := newReceiver(t, func(_ int64, _ http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		slowHook := e.hook(slow.URL)
		other := &store.Workspace{ID: token.NewID(), Name: "Other", CreatedAt: e.clock.Now()}
		if err := e.s.CreateWorkspace(e.ctx, other); err != nil {
			t.Fatal(err)
		}
		fast := newReceiver(t, status(http.StatusNoContent))
		fastHook := store.Webhook{ID: token.NewID(), WorkspaceID: other.ID, URL: fast.URL, Secret: NewWebhookSecret(), CreatedAt: e.clock.Now()}
		if err := e.s.CreateWebhook(e.ctx, &fastHook); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"evt_s1", "evt_s2", "evt_s3"} {
			e.d.Raise(e.ctx, e.low(id))
		}
		slow.next(t) // one worker now hangs in the slow tenant's receiver
		e.d.Raise(e.ctx, Event{ID: "evt_other", Type: EventCreditsLow, Workspace: other.ID, Data: CreditsData{Balance: 1}})
		fast.next(t)
		if n := len(slow.got); n != 0 || slow.n.Load() > 1 {
			t.Fatalf("the slow tenant had %d more attempts in flight, want none", n)
		}
		free()
		e.waitDeliveries(slowHook.ID, func(ds []store.Delivery) bool { return len(ds) == 3 })
		e.close()
		if ds, err := e.s.Deliveries(e.ctx, other.ID, fastHook.ID, 10); err != nil || len(ds) != 1 || !ds[0].Done || ds[0].Status != http.StatusNoContent {
			t.Fatalf("other workspace's deliveries %+v (%v)", ds, err)
		}
		if n := slow.n.Load(); n != 3 {
			t.Fatalf("slow receiver got %d requests, want 3", n)
		}
	})
}

// TestConnectTimeoutIsShorterThanTheAttempt: a receiver that accepts the
// connection but never completes the TLS handshake is given up after the
// connect timeout, not the attempt timeout, so it cannot hold a worker for
// the whole attempt.
func TestConnectTimeoutIsShorterThanTheAttempt(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept() // and never answer
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	e := newEnv(t, openEmbedded, func(c *DispatcherConfig) {
		c.Timeout, c.ConnectTimeout, c.MaxAttempts = time.Hour, 50*time.Millisecond, 1
	})
	h := e.hook("https://" + ln.Addr().String() + "/hook")
	e.d.Raise(e.ctx, e.low("evt_tls"))
	ds := e.waitDeliveries(h.ID, func(ds []store.Delivery) bool { return len(ds) == 1 })
	if !ds[0].Done || !strings.Contains(ds[0].Error, "TLS handshake timeout") {
		t.Fatalf("delivery %+v, want given up on the TLS handshake", ds[0])
	}
	ctx, cancel := context.WithTimeout(e.ctx, failAfter)
	defer cancel()
	if err := e.d.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
