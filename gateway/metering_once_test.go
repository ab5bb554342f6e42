package gateway_test

import (
	"bufio"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
)

// TestOneSettlementPerRequestUnderConcurrency checks that every admitted
// request is settled exactly once whatever happens to it (plain, streamed,
// stripped, the client leaving mid-stream, an upstream error status), and
// that the balance drops by exactly the sum of what was settled.
func TestOneSettlementPerRequestUnderConcurrency(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		e, _ := metered(t, open, mopts{credits: hundred}, func(l *llm) { l.filler = 50 })
		bodies := []struct{ path, body string }{
			{chatPath, `{"model":"gpt-test","messages":[]}`},
			{chatPath, `{"model":"gpt-test","stream":true,"messages":[]}`},
			{chatPath, `{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[]}`},
			{messagesPath, `{"model":"claude-test","max_tokens":64,"stream":true,"messages":[]}`},
			{messagesPath, `not json`}, // the upstream answers 400
		}
		const n = 60
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := bodies[i%len(bodies)]
				resp := e.post(b.path, b.body)
				if i%3 == 0 { // leave after the first line
					_, _ = bufio.NewReader(resp.Body).ReadString('\n')
					_ = resp.Body.Close()
					return
				}
				_, _ = io.ReadAll(resp.Body)
			}()
		}
		wg.Wait()
		recs := e.settled(n)
		var spent int64
		for _, r := range recs {
			spent += r.Cost
		}
		if c := e.credits(); c.Balance != hundred-spent || c.Held != 0 {
			t.Fatalf("credits %+v, want balance %d and nothing held", c, hundred-spent)
		}
		counts := e.subs.counts()
		if len(counts) != n {
			t.Fatalf("%d requests submitted, want %d", len(counts), n)
		}
		for id, c := range counts {
			if c != 1 {
				t.Fatalf("request %s submitted %d times", id, c)
			}
		}
	})
}

// TestShutdownSettlesRequestsInFlight checks a graceful shutdown with
// requests in flight settles every one of them: the gateway drains, then
// closing the Settler stores what it holds (SPEC §7).
func TestShutdownSettlesRequestsInFlight(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		first, resume := make(chan struct{}, 16), make(chan struct{})
		e, _ := metered(t, open, mopts{credits: hundred}, func(l *llm) { l.first, l.resume = first, resume })
		const n = 8
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := e.post(chatPath, `{"model":"gpt-test","stream":true,"messages":[]}`)
				_, _ = io.ReadAll(resp.Body)
			}()
		}
		for range n {
			<-first
		}
		stopped := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stopped <- e.gw.Shutdown(ctx)
		}()
		close(resume)
		must(t, <-stopped)
		wg.Wait()
		must(t, e.settler.Close(context.Background()))
		recs, _, err := e.s.Requests(e.ctx, e.ws, storeQuery(100))
		must(t, err)
		want := e.cost("gpt-test", openAITokens)
		if len(recs) != n || e.credits().Balance != hundred-n*want {
			t.Fatalf("%d settled, balance %d; want %d and %d", len(recs), e.credits().Balance, n, hundred-n*want)
		}
	})
}

// TestSettlementWaitsForStore checks usage observed while the store is
// unresponsive is queued and settled once it answers again (Redis paused
// mid-response, then resumed with its data).
func TestSettlementWaitsForStore(t *testing.T) {
	gate := make(chan struct{}, 1)
	e, _ := metered(t, func(t testing.TB, o mopts) *menv { return newMenv(t, "redis", o) },
		mopts{credits: hundred, timeout: 200 * time.Millisecond}, func(l *llm) { l.gate = gate })
	gate <- struct{}{} // the first request warms the upstream route cache: no store read after admission
	resp := e.post(chatPath, `{"model":"gpt-test","messages":[]}`)
	_, _ = io.ReadAll(resp.Body)
	e.settled(1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp := e.post(chatPath, `{"model":"gpt-test","messages":[]}`)
		_, _ = io.ReadAll(resp.Body)
	}()
	waitUntil(t, "the hold", func() bool { return e.credits().Held > 0 })
	e.rds.Pause()
	close(gate)
	<-done
	waitUntil(t, "failed settle attempts", func() bool { return e.counter("tollgate_settle_failures_total") >= 2 })
	if p := e.settler.Pending(); p != 1 {
		t.Fatalf("pending %d while the store is paused, want 1", p)
	}
	e.rds.Resume()
	rec := e.settled(2)[0]
	if want := e.cost("gpt-test", openAITokens); rec.Cost != want || e.credits().Balance != hundred-2*want {
		t.Fatalf("record %+v balance %d", rec, e.credits().Balance)
	}
}

// TestDegradedMoneyFailsClosed checks that with the store unreachable and
// auth and rate limits failing open, a request with an estimate is refused
// (503) unless fail_open.credits is set; then it passes without a hold and
// is charged once the store is back.
func TestDegradedMoneyFailsClosed(t *testing.T) {
	for _, credits := range []bool{false, true} {
		e, _ := metered(t, func(t testing.TB, o mopts) *menv { return newMenv(t, "redis", o) },
			mopts{credits: hundred, timeout: 200 * time.Millisecond,
				failOpen: limiter.FailOpen{Auth: true, RateLimit: true, Credits: credits}}, nil)
		body := `{"model":"gpt-test","messages":[]}`
		resp := e.post(chatPath, body) // warms the upstream route cache
		_, _ = io.ReadAll(resp.Body)
		e.settled(1)
		e.rds.Pause()
		resp = e.post(chatPath, body)
		if !credits {
			assertError(t, resp, 503, "store_unavailable")
			e.rds.Resume()
			continue
		}
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 {
			t.Fatalf("fail_open.credits: status %d %s", resp.StatusCode, b)
		}
		e.rds.Resume()
		e.settled(2)
		if want := 2 * e.cost("gpt-test", openAITokens); e.credits().Balance != hundred-want {
			t.Fatalf("balance %d, want %d", e.credits().Balance, hundred-want)
		}
	}
}
