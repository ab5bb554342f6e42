package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/store/storetest"
)

// scriptCalls returns how many scripts the server has run (EVALSHA and
// EVAL), from INFO commandstats.
func scriptCalls(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	must(t, err)
	n := 0
	for _, line := range strings.Split(info, "\n") {
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || name != "cmdstat_evalsha" && name != "cmdstat_eval" {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(stats, "calls="), ",")
		v, err := strconv.Atoi(calls)
		must(t, err)
		n += v
	}
	return n
}

// seedUsage writes roll-ups straight into the layout settle.lua keeps
// ({w:W}:use:<hour> hashes indexed by {w:W}:use:h): fields tokens per
// hour, each with a request count, for every hour in [from, from+hours).
func seedUsage(t *testing.T, c *redis.Client, ws string, from time.Time, hours, tokens int) {
	t.Helper()
	ctx := context.Background()
	tag := "{w:" + ws + "}"
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for h := range hours {
			hs := strconv.FormatInt(from.Add(time.Duration(h)*time.Hour).Unix(), 10)
			vals := make([]any, 0, 2*tokens)
			for k := range tokens {
				vals = append(vals, fmt.Sprintf("t%05d\tm\tmember\topenai\tgpt-4o\t\tn", k), 1)
			}
			p.HSet(ctx, tag+":use:"+hs, vals...)
			p.ZAdd(ctx, tag+":use:h", redis.Z{Score: float64(from.Unix() + int64(h)*3600), Member: hs})
		}
		return nil
	})
	must(t, err)
}

// TestUsageRowsPagesLongRanges: 400 days of hourly roll-ups, or a few
// hours with thousands of rows each, are read in many bounded script calls
// instead of one that holds Redis, and every row comes back once, in order,
// within the range asked.
func TestUsageRowsPagesLongRanges(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	raw := rawClient(t, srv)
	f := seed(t, s)
	ctx := context.Background()
	day0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const sparse = 400 * 24
	seedUsage(t, raw, f.ws, day0, sparse, 1)
	busy0 := day0.Add(sparse * time.Hour)
	seedUsage(t, raw, f.ws, busy0, 10, 3000)

	before := scriptCalls(t, raw)
	rows, err := s.UsageRows(ctx, f.ws, day0.Add(time.Hour), busy0)
	must(t, err)
	calls := scriptCalls(t, raw) - before
	if len(rows) != sparse-1 || !rows[0].Hour.Equal(day0.Add(time.Hour)) || !rows[len(rows)-1].Hour.Equal(busy0.Add(-time.Hour)) {
		t.Fatalf("%d rows from %v to %v, want %d hours from %v", len(rows), rows[0].Hour, rows[len(rows)-1].Hour, sparse-1, day0.Add(time.Hour))
	}
	for i := 1; i < len(rows); i++ {
		if !rows[i].Hour.Equal(rows[i-1].Hour.Add(time.Hour)) || rows[i].Requests != 1 {
			t.Fatalf("row %d: %+v after %v; want consecutive hours, each once", i, rows[i], rows[i-1].Hour)
		}
	}
	if calls < (sparse-1)/24 {
		t.Fatalf("400 days read in %d script calls, want at least one per 24 hours", calls)
	}

	before = scriptCalls(t, raw)
	rows, err = s.UsageRows(ctx, f.ws, busy0, time.Time{})
	must(t, err)
	calls = scriptCalls(t, raw) - before
	seen := map[string]bool{}
	for _, r := range rows {
		k := r.Hour.String() + r.TokenID
		if seen[k] || r.Hour.Before(busy0) {
			t.Fatalf("row %+v twice or outside the range", r)
		}
		seen[k] = true
	}
	if len(rows) != 10*3000 || calls < 5 {
		t.Fatalf("%d busy rows in %d script calls, want 30000 in at least 5 (4096 fields a call)", len(rows), calls)
	}
}

// seedRequests appends n audit records of member mem straight into the
// stream settle.lua keeps ({w:W}:req), one per millisecond from at.
func seedRequests(t *testing.T, c *redis.Client, ws, mem string, at time.Time, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range n {
			ts := at.Add(time.Duration(i) * time.Millisecond)
			p.XAdd(ctx, &redis.XAddArgs{Stream: "{w:" + ws + "}:req", ID: strconv.FormatInt(ts.UnixMilli(), 10) + "-*",
				Values: []any{"rid", fmt.Sprintf("%s-%06d", mem, i), "tok", "tok-" + mem, "mem", mem, "kind", "member",
					"method", "POST", "route", "/openai/v1/chat/completions", "up", "openai", "model", "gpt-4o",
					"status", "200", "cost", "1", "at", strconv.FormatInt(ts.UnixMicro(), 10)}})
		}
		return nil
	})
	must(t, err)
}

// TestRequestsScanIsBounded: a member filter that matches nothing among
// 20 000 records costs bounded script calls (at most 1024 entries each) and
// a page that gives up early carries a cursor, so an admin call can never
// hold Redis or the API for the whole 30-day stream; following the cursors
// finds the member's records, and an unfiltered page costs one call.
func TestRequestsScanIsBounded(t *testing.T) {
	srv := redistest.Start(t)
	clock := storetest.NewFakeClock(storetest.Start)
	s := open(t, srv, redisstore.Options{Now: clock.Now})
	raw := rawClient(t, srv)
	f := seed(t, s)
	ctx := context.Background()
	const busy = 20_000
	seedRequests(t, raw, f.ws, "quiet", storetest.Start.Add(-time.Hour), 3)
	seedRequests(t, raw, f.ws, "busy", storetest.Start.Add(-30*time.Minute), busy)
	_, _, err := s.Requests(ctx, f.ws, store.RequestQuery{Limit: 1}) // loads the script: a first EVALSHA fails and counts
	must(t, err)

	var quiet []store.RequestRecord
	q := store.RequestQuery{MemberID: "quiet", Limit: 10}
	pages, emptyWithCursor := 0, 0
	for {
		before := scriptCalls(t, raw)
		recs, next, err := s.Requests(ctx, f.ws, q)
		must(t, err)
		if calls := scriptCalls(t, raw) - before; calls > 16 {
			t.Fatalf("one Requests call made %d script calls, want at most 16", calls)
		}
		pages++
		quiet = append(quiet, recs...)
		if len(recs) == 0 && next != "" {
			emptyWithCursor++
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if len(quiet) != 3 || quiet[0].RequestID != "quiet-000002" || quiet[2].RequestID != "quiet-000000" || emptyWithCursor == 0 {
		t.Fatalf("%d pages (%d empty with a cursor) found %+v; want the 3 quiet records newest first after an empty page",
			pages, emptyWithCursor, quiet)
	}

	before := scriptCalls(t, raw)
	var recs []store.RequestRecord
	var next string
	recs, next, err = s.Requests(ctx, f.ws, store.RequestQuery{Limit: 100})
	must(t, err)
	if calls := scriptCalls(t, raw) - before; calls != 1 || len(recs) != 100 || next == "" || recs[0].RequestID != fmt.Sprintf("busy-%06d", busy-1) {
		t.Fatalf("unfiltered page: %d records, cursor %q, %d script calls", len(recs), next, calls)
	}
	all := map[string]bool{}
	q = store.RequestQuery{Limit: 1000}
	for {
		recs, next, err := s.Requests(ctx, f.ws, q)
		must(t, err)
		for _, r := range recs {
			if all[r.RequestID] {
				t.Fatalf("record %s twice", r.RequestID)
			}
			all[r.RequestID] = true
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if len(all) != busy+3 {
		t.Fatalf("paging found %d records, want %d", len(all), busy+3)
	}
}
