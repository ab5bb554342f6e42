package gateway_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

const (
	chatPath     = "/openai/v1/chat/completions"
	messagesPath = "/anthropic/v1/messages"
	hundred      = 100 * store.MicroPerCredit // credits given to a test workspace
)

// metered is a gateway environment with both LLM upstreams registered.
func metered(t testing.TB, open func(testing.TB, mopts) *menv, o mopts, edit func(*llm)) (*menv, *llm) {
	e := open(t, o)
	up := newLLM(t, edit)
	e.addUpstream("openai", up.URL)
	e.addUpstream("anthropic", up.URL)
	return e, up
}

// TestBalanceDropsByExactCost checks that each response format is charged
// exactly its usage at the table's prices, once, with nothing left held,
// and that the audit record carries the request's facts.
func TestBalanceDropsByExactCost(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		cases := []struct {
			name, path, body, model string
			tokens                  store.Tokens
		}{
			{"openai json", chatPath, `{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}`, "gpt-test", openAITokens},
			{"openai stream", chatPath, `{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[]}`, "gpt-test", openAITokens},
			{"openai stream stripped", chatPath, `{"model":"gpt-test","stream":true,"messages":[]}`, "gpt-test", openAITokens},
			{"anthropic json", messagesPath, `{"model":"claude-test","max_tokens":256,"messages":[]}`, "claude-test", anthropicTokens},
			{"anthropic stream", messagesPath, `{"model":"claude-test","max_tokens":256,"stream":true,"messages":[]}`, "claude-test", anthropicTokens},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e, _ := metered(t, open, mopts{credits: hundred}, nil)
				resp := e.post(c.path+"?trace=1", c.body)
				if body := readAll(t, resp.Body); resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				rec := e.settled(1)[0]
				want := e.cost(c.model, c.tokens)
				if got := e.credits(); got.Balance != hundred-want || got.Held != 0 {
					t.Fatalf("credits %+v, want balance %d and nothing held", got, hundred-want)
				}
				if rec.Tokens != c.tokens || rec.Cost != want || rec.Model != c.model || rec.Status != 200 || rec.Error ||
					rec.Method != "POST" || rec.Route != strings.SplitN(c.path, "?", 2)[0] || rec.MemberID != e.member.ID ||
					rec.Kind != "member" || rec.Upstream != strings.Split(c.path, "/")[1] || rec.Latency <= 0 {
					t.Fatalf("record %+v, want tokens %+v cost %d", rec, c.tokens, want)
				}
			})
		}
	})
}

// TestEstimateHeldDuringRequest checks that admission holds the estimate
// while the upstream works and the settlement releases it.
func TestEstimateHeldDuringRequest(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		gate := make(chan struct{})
		e, _ := metered(t, open, mopts{credits: hundred}, func(l *llm) { l.gate = gate })
		body := `{"model":"gpt-test","max_tokens":500,"messages":[{"role":"user","content":"hi"}]}`
		est := e.estimate("gpt-test", body, 500)
		done := make(chan int)
		go func() {
			resp := e.post(chatPath, body)
			_ = readAll(t, resp.Body)
			done <- resp.StatusCode
		}()
		waitUntil(t, "the hold", func() bool { return e.credits().Held == est })
		close(gate)
		if s := <-done; s != 200 {
			t.Fatalf("status %d", s)
		}
		e.settled(1)
		if c := e.credits(); c.Held != 0 || c.Balance != hundred-e.cost("gpt-test", openAITokens) {
			t.Fatalf("after settlement: %+v", c)
		}
	})
}

// TestHoldCoversEveryChoice checks that a request asking for several
// completions (n, best_of) holds the output of each one, so n:128 cannot
// run 128 times what admission checked against the balance.
func TestHoldCoversEveryChoice(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		gate := make(chan struct{})
		release := sync.OnceFunc(func() { close(gate) })
		e, _ := metered(t, open, mopts{credits: hundred}, func(l *llm) { l.gate = gate })
		t.Cleanup(release) // first: a failed wait must not leave the upstream blocked
		body := `{"model":"gpt-test","n":4,"best_of":6,"max_tokens":500,"messages":[{"role":"user","content":"hi"}]}`
		est, ok := e.book.Load().Estimate("gpt-test", len(body), 500, 6)
		if !ok || est.Output != 6*500 {
			t.Fatalf("estimate %+v", est)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = readAll(t, e.post(chatPath, body).Body)
		}()
		waitUntil(t, "the hold of six choices", func() bool { return e.credits().Held == est.Credits })
		release()
		<-done
		e.settled(1)
		poor := open(t, mopts{credits: e.estimate("gpt-test", body, 500) * 2})
		up := newLLM(t, nil)
		poor.addUpstream("openai", up.URL)
		assertError(t, poor.post(chatPath, body), 402, "insufficient_credits")
	})
}

// TestMoneyDenials checks the refusals of the money checks: 402 when the
// balance cannot cover the estimate, 429 with the cap's code and a
// Retry-After to the next period (and one cap.reached alert) for a monthly
// cap, 429 with rate-limit headers for a token limit; the upstream is never
// reached and nothing is settled.
func TestMoneyDenials(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		body := `{"model":"gpt-test","max_tokens":2000,"messages":[]}`
		t.Run("no credits", func(t *testing.T) {
			e, up := metered(t, open, mopts{}, nil)
			assertError(t, e.post(chatPath, body), 402, "insufficient_credits")
			if len(up.received()) != 0 {
				t.Fatal("upstream reached")
			}
			if n := e.counter("tollgate_denials_total", "reason", "insufficient_credits"); n != 1 {
				t.Fatalf("denials for balance = %v, want 1", n)
			}
		})
		t.Run("member spend cap", func(t *testing.T) {
			e, up := metered(t, open, mopts{credits: hundred, limits: store.Limits{MemberMonthlyCredits: 1000}}, nil)
			for range 2 {
				resp := e.post(chatPath, body)
				retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
				if err != nil || retry < 1 || retry > 31*24*3600 {
					t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
				}
				assertError(t, resp, 429, "member_spend_cap")
			}
			if len(up.received()) != 0 {
				t.Fatal("upstream reached")
			}
			if n := e.counter("tollgate_denials_total", "reason", "member_spend_cap"); n != 2 {
				t.Fatalf("denials for the cap = %v, want 2", n)
			}
			waitUntil(t, "the cap alert", func() bool { return len(e.alerts.events()) > 0 })
			if ev := e.alerts.events(); len(ev) != 1 || ev[0].Type != "cap.reached" || ev[0].Workspace != e.ws {
				t.Fatalf("alerts %+v, want one cap.reached", ev)
			}
		})
		t.Run("member token limit", func(t *testing.T) {
			e, _ := metered(t, open, mopts{credits: hundred, limits: store.Limits{MemberTPM: 100}}, nil)
			resp := e.post(chatPath, body)
			if resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-RateLimit-Limit") != "100" {
				t.Fatalf("headers %v", resp.Header)
			}
			assertError(t, resp, 429, "member_token_limit")
		})
		t.Run("unknown model", func(t *testing.T) {
			e, up := metered(t, open, mopts{credits: hundred}, nil)
			admits := e.counterCount("tollgate_store_seconds", "op", "admit")
			resp := e.post(chatPath, `{"model":"gpt-\"nope","messages":[]}`)
			b := readAll(t, resp.Body)
			if resp.StatusCode != 400 || !strings.Contains(b, `"code":"unknown_model"`) || !strings.Contains(b, `gpt-\"nope`) {
				t.Fatalf("status %d body %s", resp.StatusCode, b)
			}
			if len(up.received()) != 0 || e.counterCount("tollgate_store_seconds", "op", "admit") != admits {
				t.Fatal("an unknown model reached the store or the upstream")
			}
		})
		t.Run("nothing settled", func(t *testing.T) {
			e, _ := metered(t, open, mopts{}, nil)
			assertError(t, e.post(chatPath, body), 402, "insufficient_credits")
			if n := len(e.subs.counts()); n != 0 {
				t.Fatalf("%d settlements for a refused request", n)
			}
		})
	})
}
