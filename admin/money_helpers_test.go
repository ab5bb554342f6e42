package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// alertFunc is an Alerter made of a function: the env records what the API
// raises through it.
type alertFunc func(ctx context.Context, ev notify.Event)

func (f alertFunc) Raise(ctx context.Context, ev notify.Event) { f(ctx, ev) }

func (e *env) recordAlert(_ context.Context, ev notify.Event) {
	e.mu.Lock()
	e.alerts = append(e.alerts, ev)
	e.mu.Unlock()
}

// alertsOf returns the alerts of type typ raised for workspace ws so far.
func (e *env) alertsOf(ws, typ string) []notify.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []notify.Event
	for _, ev := range e.alerts {
		if ev.Type == typ && ev.Workspace == ws {
			out = append(out, ev)
		}
	}
	return out
}

// money is the backend's credits side.
func (e *env) money() store.Money { return e.backend.(store.Money) }

// settle records one proxied request of workspace ws as the gateway would
// after its response: a settlement without a hold, at the store's clock.
func (e *env) settle(ws string, rec store.RequestRecord) store.RequestRecord {
	e.t.Helper()
	if rec.RequestID == "" {
		rec.RequestID = token.NewID()
	}
	if rec.Method == "" {
		rec.Method, rec.Route = "POST", "/"+rec.Upstream+"/v1/chat/completions"
	}
	if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
	rec.Latency = 1500 * time.Microsecond
	var res store.SettleResult
	s := &store.Settlement{Workspace: ws, RequestID: rec.RequestID, Cost: rec.Cost, Record: rec}
	if err := e.money().Settle(context.Background(), s, &res); err != nil || !res.Settled {
		e.t.Fatalf("settle %+v: %+v %v", rec, res, err)
	}
	return rec
}

// topUp adds credits to ws as the operator.
func (e *env) topUp(ws, credits string) transactionResponse {
	e.t.Helper()
	var out transactionResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/credits/topup", map[string]any{"credits": credits}, &out)
	return out
}

// memberOf adds a member of role to ws (operator) and returns its id and token.
func (e *env) memberOf(ws, email, role string) (id, tok string) {
	e.t.Helper()
	var m memberTokenResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/members", map[string]any{"email": email, "role": role}, &m)
	return m.Member.ID, m.Token
}
