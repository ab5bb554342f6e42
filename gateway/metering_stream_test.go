package gateway_test

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/store"
)

// TestStripModeShowsClientTheStreamItAskedFor checks the include_usage
// injection is invisible: the upstream is asked for usage, and a client
// that did not ask receives the upstream's bytes less the usage chunk and
// the "usage":null members, while a client that asked receives them all.
func TestStripModeShowsClientTheStreamItAskedFor(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		e, up := metered(t, open, mopts{credits: hundred}, func(l *llm) { l.filler = 40 })
		resp := e.post(chatPath, `{"model":"gpt-test","stream":true,"messages":[]}`)
		if got, want := readAll(t, resp.Body), strings.Join(openAIEvents(false, 40), ""); got != want {
			t.Fatalf("client got:\n%s\nwant:\n%s", got, want)
		}
		var sent struct {
			StreamOptions struct {
				IncludeUsage bool `json:"include_usage"`
			} `json:"stream_options"`
		}
		must(t, json.Unmarshal([]byte(up.received()[0]), &sent))
		if !sent.StreamOptions.IncludeUsage {
			t.Fatalf("upstream got %s, want include_usage", up.received()[0])
		}
		resp = e.post(chatPath, `{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[]}`)
		if got, want := readAll(t, resp.Body), strings.Join(openAIEvents(true, 40), ""); got != want {
			t.Fatalf("client that asked for usage got:\n%s\nwant:\n%s", got, want)
		}
		if up.received()[1] != `{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[]}` {
			t.Fatalf("a body that asked for usage was rewritten: %s", up.received()[1])
		}
		e.settled(2)
	})
}

// TestClientDisconnectSettlesRealUsage checks a client that leaves
// mid-stream does not make the request free: the gateway reads the
// upstream on to its end and settles the usage of the whole stream.
func TestClientDisconnectSettlesRealUsage(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		first, resume := make(chan struct{}, 1), make(chan struct{})
		e, _ := metered(t, open, mopts{credits: hundred}, func(l *llm) {
			l.first, l.resume, l.filler = first, resume, 2000 // enough after the close for a write to fail
		})
		resp := e.post(chatPath, `{"model":"gpt-test","stream":true,"messages":[]}`)
		<-first
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "data: ") {
			t.Fatalf("first line %q, %v", line, err)
		}
		must(t, resp.Body.Close()) // the client goes away
		close(resume)              // and the upstream goes on
		rec := e.settled(1)[0]
		want := e.cost("gpt-test", openAITokens)
		if rec.Tokens != openAITokens || rec.Cost != want || e.credits().Balance != hundred-want {
			t.Fatalf("record %+v balance %d, want the whole stream's usage (cost %d)", rec, e.credits().Balance, want)
		}
		if n := e.counter("tollgate_stream_drains_total", "outcome", "complete"); n != 1 {
			t.Fatalf("drains completed = %v, want 1", n)
		}
	})
}

// TestUpstreamDyingMidStream checks a stream the upstream breaks off is
// settled with what it said (Anthropic's message_start counts) but at
// least the admission estimate, or, when it said nothing of its usage, at
// the estimate; both are errors.
func TestUpstreamDyingMidStream(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		e, _ := metered(t, open, mopts{credits: hundred}, func(l *llm) { l.cut = true })
		cut := `{"model":"claude-test","max_tokens":100,"stream":true,"messages":[]}`
		resp := e.post(messagesPath, cut)
		_, _ = io.ReadAll(resp.Body) // cut: the client sees an error
		rec := e.settled(1)[0]
		want := max(e.cost("claude-test", anthropicStartTokens), e.estimate("claude-test", cut, 100))
		if rec.Tokens != anthropicStartTokens || rec.Cost != want || !rec.Error {
			t.Fatalf("anthropic cut: record %+v, want message_start's tokens at cost %d", rec, want)
		}
		body := `{"model":"gpt-test","max_tokens":300,"stream":true,"messages":[]}`
		resp = e.post(chatPath, body)
		_, _ = io.ReadAll(resp.Body)
		recs := e.settled(2)
		est := e.estimate("gpt-test", body, 300)
		if r := recs[0]; r.Tokens != (store.Tokens{}) || r.Cost != est || !r.Error {
			t.Fatalf("openai cut: record %+v, want the estimate %d", r, est)
		}
		if got := e.credits().Balance; got != hundred-want-est {
			t.Fatalf("balance %d, want %d", got, hundred-want-est)
		}
	})
}

// TestDrainStopsAtItsBounds checks reading on after a disconnect is
// bounded: by drain_bytes, and by drain_timeout on the gateway's clock;
// either way the request is settled at its estimate (its usage was never
// reached) and the drain counted as cut at the limit.
func TestDrainStopsAtItsBounds(t *testing.T) {
	for _, bound := range []string{"bytes", "time"} {
		t.Run(bound, func(t *testing.T) {
			// A fake clock that, once armed, moves a second at every reading,
			// so a drain's time runs out after about 60 of its reads.
			var mu sync.Mutex
			now, armed := time.Unix(1_800_000_000, 0), false
			clock := func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				if armed {
					now = now.Add(time.Second)
				}
				return now
			}
			cfg := gateway.Config{DrainBytes: 64 << 10}
			if bound == "time" {
				cfg = gateway.Config{DrainTimeout: time.Minute}
			}
			first, resume := make(chan struct{}, 1), make(chan struct{})
			e, _ := metered(t, func(t testing.TB, o mopts) *menv { return newMenv(t, "embedded", o) },
				mopts{credits: hundred, cfg: cfg, now: clock}, func(l *llm) {
					l.first, l.resume, l.filler = first, resume, 50_000 // about 4 MB: more than either bound lets through
				})
			body := `{"model":"gpt-test","max_tokens":50,"stream":true,"messages":[]}`
			resp := e.post(chatPath, body)
			<-first
			must(t, resp.Body.Close())
			if bound == "time" {
				mu.Lock()
				armed = true
				mu.Unlock()
			}
			close(resume)
			rec := e.settled(1)[0]
			if est := e.estimate("gpt-test", body, 50); rec.Cost != est || rec.Tokens != (store.Tokens{}) {
				t.Fatalf("record %+v, want the estimate %d", rec, est)
			}
			if n := e.counter("tollgate_stream_drains_total", "outcome", "limit"); n != 1 {
				t.Fatalf("drains at the limit = %v, want 1", n)
			}
		})
	}
}

// TestLargeJSONBodySettlesEstimate checks a JSON answer over the 4 MiB
// copy bound reaches the client whole and is charged the estimate, counted
// by reason.
func TestLargeJSONBodySettlesEstimate(t *testing.T) {
	e, _ := metered(t, func(t testing.TB, o mopts) *menv { return newMenv(t, "embedded", o) },
		mopts{credits: hundred}, func(l *llm) { l.pad = 5 << 20 })
	body := `{"model":"gpt-test","max_tokens":10,"messages":[]}`
	resp := e.post(chatPath, body)
	if b := readAll(t, resp.Body); len(b) < 5<<20 || !strings.HasSuffix(b, openAIUsage+"}") {
		t.Fatalf("client got %d bytes", len(b))
	}
	if rec := e.settled(1)[0]; rec.Cost != e.estimate("gpt-test", body, 10) {
		t.Fatalf("record %+v, want the estimate", rec)
	}
	if n := e.counter("tollgate_settled_at_estimate_total", "reason", "body_too_large"); n != 1 {
		t.Fatalf("settled at estimate (body_too_large) = %v, want 1", n)
	}
}

// TestCutAnthropicStreamChargesAtLeastEstimate checks that an Anthropic
// stream that never reached its final message_delta, because the upstream
// broke it off or because the drain after a disconnect hit its bound, is
// charged the dearer of what message_start reported (its output count is
// a placeholder) and the admission estimate, never message_start alone.
func TestCutAnthropicStreamChargesAtLeastEstimate(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		seen := func(e *menv) int64 { return e.cost("claude-test", anthropicStartTokens) }
		for _, maxTokens := range []int64{1, 4096} { // the estimate below, then above, message_start's cost
			e, _ := metered(t, open, mopts{credits: hundred}, func(l *llm) { l.cut, l.filler = true, 20 })
			body := `{"model":"claude-test","max_tokens":` + strconv.FormatInt(maxTokens, 10) + `,"stream":true,"messages":[]}`
			_, _ = io.ReadAll(e.post(messagesPath, body).Body)
			rec := e.settled(1)[0]
			want := max(seen(e), e.estimate("claude-test", body, maxTokens))
			if rec.Cost != want || rec.Tokens != anthropicStartTokens || !rec.Error {
				t.Fatalf("max_tokens %d, upstream cut: record %+v, want cost %d", maxTokens, rec, want)
			}
		}
		first, resume := make(chan struct{}, 1), make(chan struct{})
		e, _ := metered(t, open, mopts{credits: hundred, cfg: gateway.Config{DrainBytes: 64 << 10}}, func(l *llm) {
			l.first, l.resume, l.filler = first, resume, 50_000 // about 5 MB: more than the drain lets through
		})
		body := `{"model":"claude-test","max_tokens":4096,"stream":true,"messages":[]}`
		resp := e.post(messagesPath, body)
		<-first
		must(t, resp.Body.Close())
		close(resume)
		rec := e.settled(1)[0]
		if want := e.estimate("claude-test", body, 4096); rec.Cost != want || want <= seen(e) {
			t.Fatalf("drain at its bound: record %+v, want the estimate %d (message_start alone costs %d)", rec, want, seen(e))
		}
		if n := e.counter("tollgate_stream_drains_total", "outcome", "limit"); n != 1 {
			t.Fatalf("drains at the limit = %v, want 1", n)
		}
	})
}
