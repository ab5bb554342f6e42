package redisstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
)

// BenchmarkRequestFootprint measures what one request costs Redis as the
// gateway drives it, admission then settlement, for a free route (a zero
// Hold under a request id) and a priced one: Redis's CPU per admission
// and per settlement ("admit-script-ns/op", "settle-script-ns/op") and the memory
// the request leaves behind once settled ("bytes-left/op", "keys-left/op",
// which must stay near 0: only the audit stream grows, by its entry).
func BenchmarkRequestFootprint(b *testing.B) {
	srv := redistest.Start(b)
	s := open(b, srv, redisstore.Options{})
	f := seedMoney(b, s)
	ctx := context.Background()
	info := redis.NewClient(&redis.Options{Addr: srv.Addr})
	b.Cleanup(func() { _ = info.Close() })
	for _, c := range []struct {
		name string
		hold limiter.Hold
	}{{"Free", limiter.Hold{}}, {"Priced", limiter.Hold{Credits: 100, Input: 500, Output: 500}}} {
		b.Run(c.name, func(b *testing.B) {
			ids := benchIDs(b.N)
			st := store.Settlement{Workspace: f.ws, Held: true, Cost: 90, Record: store.RequestRecord{TokenID: f.key.ID,
				MemberID: f.key.MemberID, Kind: "key", Method: "POST", Route: "/openai/v1/chat", Upstream: f.upstream,
				Model: moneyModel, Status: 200, Tokens: store.Tokens{Input: 400, Output: 300}, Cost: 90}}
			mem0, keys0 := redisMemory(b, info)
			var admitCPU, settleCPU int64
			var d limiter.Decision
			var r store.SettleResult
			b.ReportAllocs()
			for _, rid := range ids {
				q := limiter.Request{Workspace: f.ws, TokenHash: f.key.Hash, Upstream: f.upstream, Model: moneyModel,
					RequestID: rid, Hold: c.hold}
				_, cpu0 := redisCPU(b, info)
				if err := s.Admit(ctx, &q, &d); err != nil || d.Outcome != limiter.Allowed {
					b.Fatalf("%+v %v", d, err)
				}
				_, cpu1 := redisCPU(b, info)
				st.RequestID, st.Record.RequestID = rid, rid
				if err := s.Settle(ctx, &st, &r); err != nil || !r.Settled {
					b.Fatalf("%+v %v", r, err)
				}
				_, cpu2 := redisCPU(b, info)
				admitCPU, settleCPU = admitCPU+cpu1-cpu0, settleCPU+cpu2-cpu1
			}
			mem1, keys1 := redisMemory(b, info)
			b.ReportMetric(float64(admitCPU)/float64(b.N), "admit-script-ns/op")
			b.ReportMetric(float64(settleCPU)/float64(b.N), "settle-script-ns/op")
			b.ReportMetric(float64(mem1-mem0)/float64(b.N), "bytes-left/op")
			b.ReportMetric(float64(keys1-keys0)/float64(b.N), "keys-left/op")
		})
	}
}

// redisMemory returns Redis's used_memory (bytes) and its number of keys.
func redisMemory(b *testing.B, c *redis.Client) (mem, keys int64) {
	b.Helper()
	v, err := c.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(v, "\r\n") {
		if val, ok := strings.CutPrefix(line, "used_memory:"); ok {
			mem, _ = strconv.ParseInt(val, 10, 64)
		}
	}
	keys, err = c.DBSize(context.Background()).Result()
	if err != nil {
		b.Fatal(err)
	}
	return mem, keys
}
