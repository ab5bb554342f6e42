package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/redistest"
)

// burstBodyLen is the size of every request body of a burst, so that every
// request holds the same estimate.
const burstBodyLen = 240

// burstSize is the number of concurrent clients of a burst, spread over
// both replicas; each sends burstRounds requests one after the other, so
// that the limit is reached while settlements free holds.
const (
	burstSize   = 240
	burstRounds = 4
)

// burstBody is an OpenAI chat request for model "flat", padded to
// burstBodyLen bytes.
func burstBody(maxTokens int64, stream bool) []byte {
	head := fmt.Sprintf(`{"model":"flat","max_tokens":%d,"stream":%t,"messages":[{"role":"user","content":"`, maxTokens, stream)
	const tail = `"}]}`
	return []byte(head + strings.Repeat("x", burstBodyLen-len(head)-len(tail)) + tail)
}

// moneyCase is one run of the guarantees test: which limit runs out (the
// balance or a member's monthly cap) and whether the estimate held at
// admission covers the actual cost.
type moneyCase struct {
	name    string
	capped  bool
	covered bool
}

// outcome is what one request of a burst got.
type outcome struct {
	status     int
	code       string
	retryAfter string
	usage      llmUsage
}

// usageOf is the usage the provider reports for request i of a burst: with
// covered, at most 29 µc against an estimate of 160 µc; without, 203 to 219
// µc against an estimate of 62 µc.
func usageOf(i int, covered bool) (llmUsage, int64) {
	u := llmUsage{Input: int64(3 + i%5), Output: int64(5 + i%7)}
	maxTokens := int64(50)
	if !covered {
		u.Output += 95
		maxTokens = 1
	}
	return u, maxTokens
}

// TestTwoReplicasKeepMoneyLimits: two replicas on one Redis take 960
// requests from 240 concurrent clients of one member against a small
// balance or a small monthly cap. Admitted + refused = sent; when estimates
// cover the cost the balance never goes below zero and the spend never
// passes the cap; when they do not, the overshoot stays within what the
// holds in flight can miss; the balance falls by exactly the price of the
// admitted requests' usage, the ledger sums to it, and each admitted
// request is audited once (issue 5 item 8; LiteLLM #34732 overshot budgets
// under concurrency).
func TestTwoReplicasKeepMoneyLimits(t *testing.T) {
	rds := redistest.Start(t)
	cfg := fmt.Sprintf(sharedRedisYAML, rds.URL()) + pricingYAML
	a, b := startProc(t, cfg), startProc(t, cfg)
	prov := newProvider(t)
	for _, c := range []moneyCase{
		{"balance/estimates-cover-cost", false, true},
		{"balance/estimates-below-cost", false, false},
		{"member-cap/estimates-cover-cost", true, true},
		{"member-cap/estimates-below-cost", true, false},
	} {
		t.Run(c.name, func(t *testing.T) { runMoneyBurst(t, c, prov, a, b) })
	}
	if r := prov.refusals(); len(r) > 0 {
		t.Fatalf("the provider refused requests: %q", r[:min(len(r), 3)])
	}
}

// runMoneyBurst runs one moneyCase on a fresh workspace.
func runMoneyBurst(t *testing.T, c moneyCase, prov *provider, a, b *proc) {
	const limit = 2000 // µc: the balance, or the member's cap
	initial, memberCap := int64(limit), int64(0)
	if c.capped {
		initial, memberCap = 10_000_000, limit
	}
	ten := seedMoney(t, a, prov.srv.URL, initial, memberCap)
	_, maxTokens := usageOf(0, c.covered)
	est := estimateOf("flat", burstBodyLen, maxTokens)

	stopSampling := sampleCredits(a, ten.ws)
	outs := fireBurst(t, ten, c.covered, a, b)
	lowest := stopSampling()

	admitted, spent, maxOver := tally(t, c, outs, est)
	waitSettled(t, a, ten.ws, len(admitted))
	audit := checkBooks(t, a, ten.ws, initial)
	checkAudit(t, ten, audit, admitted)
	final := readCredits(t, a, ten.ws).Balance
	if final != initial-spent {
		t.Errorf("balance %d µc, want %d − %d (the price of the admitted requests' usage)", final, initial, spent)
	}
	// The bound: the last admission saw balance − held ≥ its estimate, so
	// at most limit/est holds were live, and each can miss by maxOver.
	bound := min(int64(len(admitted)), limit/est) * maxOver
	over := spent - limit
	t.Logf("%d admitted of %d, spent %d µc against %d (estimate %d µc); lowest balance seen %d, lowest available %d",
		len(admitted), len(outs), spent, limit, est, lowest.balance, lowest.available)
	switch {
	case c.covered && over > 0:
		t.Errorf("spent %d µc past the limit of %d though every estimate covered its cost", over, limit)
	case !c.covered && over > bound:
		t.Errorf("spent %d µc past the limit, more than the %d µc the holds in flight allow", over, bound)
	}
	if !c.capped && c.covered && (lowest.balance < 0 || lowest.available < 0) {
		t.Errorf("the balance went below zero during the burst: lowest balance %d, lowest available %d µc",
			lowest.balance, lowest.available)
	}
	if !c.capped && lowest.balance < -bound {
		t.Errorf("balance seen at %d µc during the burst, below −%d", lowest.balance, bound)
	}
}

// fireBurst runs burstSize concurrent clients of ten's member, each sending
// burstRounds requests in turn, alternating replicas and plain/streamed,
// and returns what each request got.
func fireBurst(t *testing.T, ten moneyTenant, covered bool, gws ...*proc) []outcome {
	outs := make([]outcome, burstSize*burstRounds)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < burstSize; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for r := 0; r < burstRounds; r++ {
				i := r*burstSize + g
				outs[i] = sendBurstRequest(t, ten, i, covered, gws[i%len(gws)])
			}
		}()
	}
	close(start)
	wg.Wait()
	return outs
}

// sendBurstRequest sends request i of a burst through gw.
func sendBurstRequest(t *testing.T, ten moneyTenant, i int, covered bool, gw *proc) outcome {
	u, maxTokens := usageOf(i, covered)
	stream := i%4 >= 2
	status, h, resp := dataCall(t, gw.data, ten.token, "/oai/v1/chat/completions", burstBody(maxTokens, stream),
		map[string]string{usageHeader: u.header()})
	o := outcome{status: status, usage: u}
	if status != http.StatusOK {
		var e struct{ Error struct{ Code string } }
		json.Unmarshal(resp, &e)
		o.code, o.retryAfter = e.Error.Code, h.Get("Retry-After")
	} else if stream && !strings.HasSuffix(string(resp), "data: [DONE]\n\n") {
		t.Errorf("request %d: stream did not end with [DONE]: %q", i, resp)
	}
	return o
}

// tally checks every outcome is an admission or the refusal c expects, and
// returns the admitted usages, their price and the largest shortfall of
// an estimate (cost − est, at least 0).
func tally(t *testing.T, c moneyCase, outs []outcome, est int64) (admitted []llmUsage, spent, maxOver int64) {
	t.Helper()
	wantStatus, wantCode := http.StatusPaymentRequired, "insufficient_credits"
	if c.capped {
		wantStatus, wantCode = http.StatusTooManyRequests, "member_spend_cap"
	}
	refused := 0
	for i, o := range outs {
		switch {
		case o.status == http.StatusOK:
			admitted = append(admitted, o.usage)
			cost := costOf("flat", o.usage)
			spent += cost
			maxOver = max(maxOver, cost-est)
		case o.status == wantStatus && o.code == wantCode:
			refused++
			if s, err := strconv.Atoi(o.retryAfter); c.capped && (err != nil || s < 1) {
				t.Errorf("request %d: 429 %s without a valid Retry-After: %q", i, wantCode, o.retryAfter)
			}
		default:
			t.Errorf("request %d: status %d code %q, want 200 or %d %s", i, o.status, o.code, wantStatus, wantCode)
		}
	}
	if len(admitted)+refused != len(outs) {
		t.Errorf("admitted %d + refused %d != sent %d", len(admitted), refused, len(outs))
	}
	if len(admitted) == 0 || refused == 0 {
		t.Errorf("admitted %d, refused %d: the limit must both admit and run out for the test to mean anything",
			len(admitted), refused)
	}
	return admitted, spent, maxOver
}

// checkAudit checks the audit trail holds exactly the admitted requests:
// the same usages, each priced by the table, attributed to the member.
func checkAudit(t *testing.T, ten moneyTenant, audit []auditRecord, admitted []llmUsage) {
	t.Helper()
	var got, want []string
	for _, r := range audit {
		got = append(got, r.usage().header())
		if r.Cost != costOf("flat", r.usage()) || r.MemberID != ten.memberID || r.TokenID != ten.tokenID ||
			r.Status != http.StatusOK || r.Model != "flat" || r.Upstream != "oai" {
			t.Errorf("audit record %+v: want cost %d µc, member %s, status 200, model flat, upstream oai",
				r, costOf("flat", r.usage()), ten.memberID)
		}
	}
	for _, u := range admitted {
		want = append(want, u.header())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("audited usages differ from the admitted requests': %d records for %d admitted", len(got), len(want))
	}
}

// lows are the lowest balance and the lowest available credits (balance −
// held) seen while sampling, in µc.
type lows struct{ balance, available int64 }

// sampleCredits polls the workspace's credits through p's admin API until
// stop is called; stop returns the lowest values seen.
func sampleCredits(p *proc, ws string) (stop func() lows) {
	done := make(chan struct{})
	result := make(chan lows, 1)
	go func() {
		low := lows{1 << 62, 1 << 62}
		for {
			select {
			case <-done:
				result <- low
				return
			default:
			}
			req, _ := http.NewRequest("GET", p.admin+"/v1/workspaces/"+ws+"/credits", nil)
			req.Header.Set("Authorization", "Bearer "+p.operator)
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				continue
			}
			var c credits
			if json.NewDecoder(r.Body).Decode(&c) == nil && r.StatusCode == http.StatusOK {
				low.balance, low.available = min(low.balance, c.Balance), min(low.available, c.Balance-c.Held)
			}
			r.Body.Close()
		}
	}()
	return func() lows { close(done); return <-result }
}
