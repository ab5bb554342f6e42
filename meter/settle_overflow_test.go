package meter_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/tollgate-dev/tollgate/store"
)

// TestAbsurdUsageNeitherWrapsNorStalls replays review 5 #1: an upstream
// answering 2^53 tokens each way for o1-pro (150/600 credits per 1M). The
// usage is clamped per category and charged exactly, with no wrap; a
// settlement that bypassed the clamps is refused by the store and dropped
// with a log line, and the queue goes on with the next one instead of
// retrying forever.
func TestAbsurdUsageNeitherWrapsNorStalls(t *testing.T) {
	const start = 1_000 * store.MicroPerCredit
	m := newMoney(t, start, store.Billing{})
	var r usage.Result
	usage.ParseJSON(usage.OpenAIChat, []byte(`{"model":"o1-pro","usage":{"prompt_tokens":9007199254740992,`+
		`"completion_tokens":9007199254740992}}`), &r)
	if r.Tokens != (usage.Tokens{Input: usage.MaxCount, Output: usage.MaxCount}) {
		t.Fatalf("tokens %+v, want each clamped at %d", r.Tokens, usage.MaxCount)
	}
	o1pro := meter.ModelPrice{Input: 150 * store.MicroPerCredit, Output: 600 * store.MicroPerCredit}
	cost := meter.Cost(o1pro, r.Tokens)
	if cost != 750*usage.MaxCount {
		t.Fatalf("cost %d, want %d", cost, 750*usage.MaxCount)
	}
	var logs syncBuffer
	st := meter.NewSettler(m.s, meter.SettlerOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	clamped := m.settlement(1, cost)
	clamped.Record.Tokens = store.Tokens(r.Tokens)
	raw := m.settlement(2, 0)
	raw.Cost = 6_755_399_441_055_744_000 // what an unclamped meter charged
	raw.Record.Tokens = store.Tokens{Input: 1 << 53, Output: 1 << 53}
	for _, x := range []*store.Settlement{clamped, raw, m.settlement(3, 7)} {
		st.Submit(x, time.Now())
	}
	must(t, st.Close(context.Background()))
	if got, want := m.balance(), int64(start)-cost-7; got != want {
		t.Fatalf("balance %d, want %d: the clamped and the normal settlement charged, the raw one dropped", got, want)
	}
	out := logs.String()
	if !strings.Contains(out, "request_id=req-2") || !strings.Contains(out, "dropped") ||
		!strings.Contains(out, "token count at or past the clamp") {
		t.Fatalf("log does not report the drop and the clamp:\n%s", out)
	}
}
