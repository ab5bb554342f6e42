package meter_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// batchFunc adapts a function to meter.SettleStore, to watch the batches a
// Settler sends to a real store.
type batchFunc func(ctx context.Context, s []*store.Settlement, r []store.SettleResult) error

func (f batchFunc) SettleBatch(ctx context.Context, s []*store.Settlement, r []store.SettleResult) error {
	return f(ctx, s, r)
}

// another returns a second workspace with its own member and credits in
// m's store.
func (m *money) another(t *testing.T, credits int64) *money {
	t.Helper()
	ctx := context.Background()
	o := &money{t: t, s: m.s, ws: token.NewID(), member: token.NewID()}
	must(t, m.s.CreateWorkspace(ctx, &store.Workspace{ID: o.ws, Name: "other", CreatedAt: time.Now()}))
	must(t, m.s.PutMember(ctx, &store.Member{ID: o.member, WorkspaceID: o.ws, Email: "b@example.com", Role: "member", Status: store.MemberActive}))
	_, err := m.s.AddCredits(ctx, o.ws, &store.Transaction{Kind: store.TxTopUp, Amount: credits, Actor: "operator"})
	must(t, err)
	return o
}

// recorder is a SettleStore over m's store that records the request ids
// of each call and holds the first call until release is closed.
type recorder struct {
	m       *money
	mu      sync.Mutex
	calls   [][]string
	entered chan struct{} // closed when the first call arrives
	release chan struct{}
}

func newRecorder(m *money) *recorder {
	return &recorder{m: m, entered: make(chan struct{}), release: make(chan struct{})}
}

func (r *recorder) SettleBatch(ctx context.Context, s []*store.Settlement, res []store.SettleResult) error {
	var ids []string
	for _, x := range s {
		ids = append(ids, x.Workspace+":"+x.RequestID)
	}
	r.mu.Lock()
	first := len(r.calls) == 0
	r.calls = append(r.calls, ids)
	r.mu.Unlock()
	if first {
		close(r.entered)
		<-r.release
	}
	return r.m.s.SettleBatch(ctx, s, res)
}

// TestSettlerBatchesByWorkspace checks that a worker takes every queued
// settlement at once and stores them with one SettleBatch per workspace,
// each in submission order, which is what makes settlement cheap under
// load; and that each is stored exactly once.
func TestSettlerBatchesByWorkspace(t *testing.T) {
	a := newMoney(t, 10_000_000, store.Billing{})
	b := a.another(t, 10_000_000)
	rec := newRecorder(a)
	st := meter.NewSettler(rec, meter.SettlerOptions{Workers: 1})
	st.Submit(a.settlement(0, 1000), time.Now())
	<-rec.entered // the worker holds settlement 0; the rest queue up behind it
	var wantA, wantB []string
	for i := 1; i <= 100; i++ {
		m := a
		if i%2 == 0 {
			m = b
		}
		st.Submit(m.settlement(i, 1000), time.Now())
		id := m.ws + ":req-" + strconv.Itoa(i)
		if m == a {
			wantA = append(wantA, id)
		} else {
			wantB = append(wantB, id)
		}
	}
	close(rec.release)
	must(t, st.Close(context.Background()))
	want := [][]string{{a.ws + ":req-0"}, wantA, wantB}
	if !slices.EqualFunc(rec.calls, want, slices.Equal) {
		t.Fatalf("calls %v,\nwant one for settlement 0, then one per workspace in order %v", rec.calls, want)
	}
	if ga, gb := a.balance(), b.balance(); ga != 10_000_000-51_000 || gb != 10_000_000-50_000 {
		t.Fatalf("balances %d, %d; want %d, %d", ga, gb, 10_000_000-51_000, 10_000_000-50_000)
	}
}

// syncBuffer is a log destination safe for the worker and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSettlerDropsOnlyRefusedSettlements checks that a batch the store
// refuses for good (a settlement it cannot record, a workspace that is
// gone) costs only the refused settlements, each logged by request id:
// the others of the batch are retried alone and stored.
func TestSettlerDropsOnlyRefusedSettlements(t *testing.T) {
	m := newMoney(t, 1_000_000, store.Billing{})
	rec := newRecorder(m)
	var logs syncBuffer
	st := meter.NewSettler(rec, meter.SettlerOptions{Workers: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	st.Submit(m.settlement(0, 100), time.Now())
	<-rec.entered
	bad := m.settlement(2, -5)
	gone := m.settlement(4, 100)
	gone.Workspace = token.NewID()
	for _, x := range []*store.Settlement{m.settlement(1, 100), bad, m.settlement(3, 100), gone, m.settlement(5, 100)} {
		st.Submit(x, time.Now())
	}
	close(rec.release)
	must(t, st.Close(context.Background()))
	if got := m.balance(); got != 1_000_000-400 {
		t.Fatalf("balance %d, want %d: the four good settlements stored", got, 1_000_000-400)
	}
	out := logs.String()
	for _, id := range []string{"req-2", "req-4"} {
		if !strings.Contains(out, "settlement refused by the store, dropped") || !strings.Contains(out, "request_id="+id) {
			t.Fatalf("log does not name dropped %s:\n%s", id, out)
		}
	}
	if strings.Count(out, "dropped") != 2 {
		t.Fatalf("log drops %d settlements, want 2:\n%s", strings.Count(out, "dropped"), out)
	}
}
