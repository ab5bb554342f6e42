package redisstore

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/store"
)

// periodProbe runs money.lua's period on pairs of ARGV (now µs, anchor)
// and returns start and end, in unix seconds, of each.
var periodProbe = moneyScript(`
local out = {}
for i = 1, #ARGV, 2 do
  local s, e = period(tonumber(ARGV[i]), tonumber(ARGV[i + 1]))
  out[#out + 1], out[#out + 2] = s, e
end
return out`)

// periodCase is one instant and anchor.
type periodCase struct {
	at     time.Time
	anchor int
}

// periodCases returns instants around every anchor's midnight of every
// month from 1969 to 2031 and of some far years (leap days, year ends,
// century rules), and random instants, each with every anchor 0 to 28.
// The scripts count time in microseconds in Lua's doubles, exact until
// 2^53 µs after 1970 (the year 2255), so the far years stop at 2200.
func periodCases() []periodCase {
	var out []periodCase
	years := []int{1900, 2000, 2096, 2100, 2200}
	for y := 1969; y <= 2031; y++ {
		years = append(years, y)
	}
	for _, y := range years {
		for m := time.January; m <= time.December; m++ {
			for a := 0; a <= 28; a++ {
				mid := time.Date(y, m, max(a, 1), 0, 0, 0, 0, time.UTC)
				for _, d := range []time.Duration{-time.Microsecond, 0, time.Microsecond, 24*time.Hour - time.Microsecond} {
					out = append(out, periodCase{mid.Add(d), a})
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), time.Date(2110, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for range 20000 {
		out = append(out, periodCase{time.UnixMicro(lo + rng.Int64N(hi-lo)).UTC(), rng.IntN(29)})
	}
	return out
}

// TestLuaPeriodMatchesPeriodStart: the civil-date math that admit.lua and
// settle.lua use for billing periods gives store.PeriodStart and
// store.PeriodEnd for every anchor around every month's boundaries
// (leap years, year and century ends, before 1970) and for random instants.
func TestLuaPeriodMatchesPeriodStart(t *testing.T) {
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	cases := periodCases()
	for i := 0; i < len(cases); i += 4000 {
		batch := cases[i:min(i+4000, len(cases))]
		args := make([]any, 0, 2*len(batch))
		for _, pc := range batch {
			args = append(args, strconv.FormatInt(pc.at.UnixMicro(), 10), pc.anchor)
		}
		got, err := periodProbe.run(context.Background(), c, nil, args...).Int64Slice()
		if err != nil || len(got) != 2*len(batch) {
			t.Fatalf("period probe: %d values, %v", len(got), err)
		}
		for j, pc := range batch {
			start := store.PeriodStart(pc.at, pc.anchor)
			if got[2*j] != start.Unix() || got[2*j+1] != store.PeriodEnd(start).Unix() {
				t.Fatalf("%v anchor %d: Lua period [%v, %v), want [%v, %v)", pc.at, pc.anchor,
					time.Unix(got[2*j], 0).UTC(), time.Unix(got[2*j+1], 0).UTC(), start, store.PeriodEnd(start))
			}
		}
	}
	t.Logf("%d instants agree", len(cases))
}
