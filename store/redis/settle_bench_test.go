package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
)

// BenchmarkSettleBatch measures the settlement of held requests in
// batches of n (SettleBatch: one EVALSHA per n), per settlement: the
// client's allocations and time, and Redis's own CPU (used_cpu_user+sys
// of INFO, "redis-cpu-ns/op") and script time (INFO commandstats of
// EVALSHA, "script-ns/op"). The b.N admissions that make the holds run
// first, outside the measurement. n = 1 is a Settle; the Settler's
// batches are up to 128.
func BenchmarkSettleBatch(b *testing.B) {
	srv := redistest.Start(b)
	s := open(b, srv, redisstore.Options{})
	f := seedMoney(b, s)
	ctx := context.Background()
	info := redis.NewClient(&redis.Options{Addr: srv.Addr})
	b.Cleanup(func() { _ = info.Close() })
	for _, n := range []int{1, 16, 128} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			sts, rs := make([]*store.Settlement, n), make([]store.SettleResult, n)
			for j := range sts {
				sts[j] = &store.Settlement{Workspace: f.ws, Cost: 90, Record: store.RequestRecord{TokenID: f.key.ID,
					MemberID: f.key.MemberID, Kind: "key", Method: "POST", Route: "/openai/v1/chat", Upstream: f.upstream,
					Model: moneyModel, Status: 200, Tokens: store.Tokens{Input: 400, Output: 300}, Cost: 90}}
			}
			ids := benchIDs(b.N)
			for _, rid := range ids {
				f.admitHold(b, s, f.key, rid, limiter.Hold{Credits: 100, Input: 500, Output: 500})
			}
			cpu0, script0 := redisCPU(b, info)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += n {
				m := min(n, b.N-i)
				for j, rid := range ids[i : i+m] {
					sts[j].RequestID, sts[j].Record.RequestID = rid, rid
				}
				if err := s.SettleBatch(ctx, sts[:m], rs[:m]); err != nil || !rs[0].Settled || !rs[m-1].Settled {
					b.Fatalf("%v %+v", err, rs[:m])
				}
			}
			b.StopTimer()
			cpu1, script1 := redisCPU(b, info)
			b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "redis-cpu-ns/op")
			b.ReportMetric(float64(script1-script0)/float64(b.N), "script-ns/op")
		})
	}
}

// redisCPU returns Redis's CPU time so far (user and system) and the time
// its EVALSHA calls took, in ns.
func redisCPU(b *testing.B, c *redis.Client) (cpu, script int64) {
	b.Helper()
	v, err := c.Info(context.Background(), "cpu", "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(v, "\r\n") {
		k, val, _ := strings.Cut(line, ":")
		switch k {
		case "used_cpu_user", "used_cpu_sys":
			sec, _ := strconv.ParseFloat(val, 64)
			cpu += int64(sec * 1e9)
		case "cmdstat_evalsha":
			for f := range strings.SplitSeq(val, ",") {
				if us, ok := strings.CutPrefix(f, "usec="); ok {
					n, _ := strconv.ParseInt(us, 10, 64)
					script = n * 1000
				}
			}
		}
	}
	return cpu, script
}
