package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
)

// TestSettlePacksAnyBytes: every string of a settlement reaches the audit
// trail byte for byte, whatever its length (each MessagePack string form)
// and content (spaces, tabs, NUL, quotes, UTF-8), and large numbers stay
// exact, because a packed argument must never be mis-split.
func TestSettlePacksAnyBytes(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	ctx := context.Background()
	var sts []*store.Settlement
	for _, n := range []int{0, 31, 32, 255, 256, 65535, 65536} {
		route := "/" + strings.Repeat("a b\t\x00\"é", n/8+1)[:n]
		rid := newRID()
		sts = append(sts, &store.Settlement{Workspace: f.ws, RequestID: rid, Cost: 1 << 40, Record: store.RequestRecord{
			RequestID: rid, TokenID: f.key.ID, MemberID: f.key.MemberID, Kind: "key", Method: "M E\x00",
			Route: route, Upstream: f.upstream, Model: "m", Tool: "t", ToolCall: true, Status: 599, Error: true,
			Tokens: store.Tokens{Input: store.MaxSettlementTokens, Output: 127, CachedRead: 128, CachedWrite: 1, Reasoning: 0},
			Cost:   1 << 40, Latency: 3 * time.Hour}})
	}
	rs := make([]store.SettleResult, len(sts))
	must(t, s.SettleBatch(ctx, sts, rs))
	got, _, err := s.Requests(ctx, f.ws, store.RequestQuery{Limit: 100})
	must(t, err)
	if len(got) != len(sts) {
		t.Fatalf("%d records, want %d", len(got), len(sts))
	}
	for i, st := range sts {
		g, w := got[len(got)-1-i], st.Record // newest first
		g.At = time.Time{}
		if g != w {
			t.Fatalf("record %d (route of %d bytes):\n got %+v\nwant %+v", i, len(w.Route), g, w)
		}
	}
}

// TestSettleBatchRefusesBadInput: a batch holding one malformed settlement
// is refused whole with an error naming it (wrapping
// store.ErrInvalidSettlement), and so is a results slice too short, and
// nothing is charged: a caller can drop the bad one and retry the rest.
func TestSettleBatchRefusesBadInput(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seedMoney(t, s)
	ctx := context.Background()
	good := &store.Settlement{Workspace: f.ws, RequestID: newRID(), Cost: 5}
	bad := &store.Settlement{Workspace: f.ws, RequestID: newRID(), Cost: -1}
	rs := make([]store.SettleResult, 2)
	err := s.SettleBatch(ctx, []*store.Settlement{good, bad}, rs)
	if !errors.Is(err, store.ErrInvalidSettlement) || !strings.Contains(err.Error(), "settlement 1") {
		t.Fatalf("batch with a negative cost: %v, want ErrInvalidSettlement naming settlement 1", err)
	}
	err = s.SettleBatch(ctx, []*store.Settlement{good}, nil)
	if !errors.Is(err, store.ErrInvalidSettlement) {
		t.Fatalf("no room for results: %v, want ErrInvalidSettlement", err)
	}
	if c, err := s.Credits(ctx, f.ws); err != nil || c.Balance != 1000*store.MicroPerCredit {
		t.Fatalf("credits %+v, %v: want the 1000 credits untouched", c, err)
	}
}

// TestHeldSettleLeavesNoMarker: a request admission held, a free one (zero
// hold) or a priced one, leaves no key of its own once settled (no marker,
// no hold) and a retry still charges nothing, because a marker per request
// kept for a day was most of Redis's memory at a steady request rate.
func TestHeldSettleLeavesNoMarker(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seedMoney(t, s)
	c := rawClient(t, srv)
	ctx := context.Background()
	for _, h := range []limiter.Hold{{}, {Credits: 100, Input: 10, Output: 10}} {
		rid := newRID()
		if d := f.admitHold(t, s, f.key, rid, h); d.Outcome != limiter.Allowed {
			t.Fatalf("admit holding %+v: %+v", h, d)
		}
		st := store.Settlement{Workspace: f.ws, RequestID: rid, Held: true, Cost: 90, Record: store.RequestRecord{
			RequestID: rid, TokenID: f.key.ID, Kind: "key", Upstream: f.upstream, Model: moneyModel, Status: 200}}
		var r store.SettleResult
		must(t, s.Settle(ctx, &st, &r))
		if !r.Settled {
			t.Fatalf("settle of a hold of %+v: %+v, want settled", h, r)
		}
		before := r.Balance
		must(t, s.Settle(ctx, &st, &r))
		if r.Settled || r.Balance != before {
			t.Fatalf("retry: %+v, want not settled at %d", r, before)
		}
		keys, err := c.Keys(ctx, "*"+rid+"*").Result()
		must(t, err)
		if len(keys) != 0 {
			t.Fatalf("keys of request %s left after its settlement: %v", rid, keys)
		}
		if n, err := c.HLen(ctx, "{w:"+f.ws+"}:holds:d").Result(); err != nil || n != 0 {
			t.Fatalf("holds left: %d %v", n, err)
		}
	}
	// A settlement admission did not hold keeps its marker for a day.
	rid := newRID()
	f.settle(t, s, f.key, rid, 90, store.Tokens{})
	if n, err := c.Exists(ctx, "{w:"+f.ws+"}:stl:"+rid).Result(); err != nil || n != 1 {
		t.Fatalf("marker of an unheld settlement: %d %v, want kept", n, err)
	}
}
