package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
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
			Tokens: store.Tokens{Input: 1 << 50, Output: 127, CachedRead: 128, CachedWrite: 1, Reasoning: 0},
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
