package embedded_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// BenchmarkSettleBatch measures admission with a hold and settlement in
// batches of n (one SettleBatch, one commit, per n requests), per request,
// with the process's CPU time per request (cpu-ns/op: the wall time is
// mostly the commit's fsync): n = 1 is a Settle, the Settler's batches are
// up to 256.
func BenchmarkSettleBatch(b *testing.B) {
	for _, n := range []int{1, 16, 256} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := moneyBenchFixture(b)
			sts := make([]*store.Settlement, n)
			rs := make([]store.SettleResult, n)
			ids := make([]string, n)
			for j := range sts {
				sts[j] = &store.Settlement{Workspace: f.ws, Cost: 900, Record: store.RequestRecord{TokenID: f.tok.ID,
					MemberID: f.tok.MemberID, Kind: "member", Method: "POST", Route: "/openai/v1/chat/completions",
					Upstream: "openai", Model: "gpt-4o", Status: 200, Tokens: store.Tokens{Input: 90, Output: 20}, Cost: 900}}
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				j := i % n
				if j == 0 {
					b.StopTimer()
					for k := range ids {
						ids[k] = fmt.Sprintf("r%d", i+k)
					}
					b.StartTimer()
				}
				f.holdReq(f.tok, ids[j], "gpt-4o", limiter.Hold{Credits: 1000, Input: 100})
				sts[j].RequestID, sts[j].Record.RequestID = ids[j], ids[j]
				if j == n-1 {
					if err := f.s.SettleBatch(f.ctx, sts, rs); err != nil || !rs[0].Settled || !rs[n-1].Settled {
						b.Fatalf("%v %+v", err, rs)
					}
				}
				i++
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAdmitZeroHold measures the admission of a free request (a zero
// Hold) under a fresh request id, as the gateway makes one for every
// metered request: it is held, so that its Settle needs no marker. Every
// 4096 holds are settled with the timer stopped, so the hold table stays
// at its working size.
func BenchmarkAdmitZeroHold(b *testing.B) {
	f := moneyBenchFixture(b)
	ids := make([]string, 4096)
	r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai"}
	var d limiter.Decision
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		n := i % len(ids)
		if n == 0 {
			b.StopTimer()
			if i > 0 {
				settleAll(b, f, ids)
			}
			for j := range ids {
				ids[j] = fmt.Sprintf("r%d", i+j)
			}
			b.StartTimer()
		}
		r.RequestID = ids[n]
		if err := f.s.Admit(f.ctx, &r, &d); err != nil || d.Outcome != limiter.Allowed {
			b.Fatalf("%v %+v", err, d)
		}
	}
}
