package meter

import (
	"context"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// creditAlerts raises the credits alerts one settlement crossed. The
// thresholds and the auto top-up amount come from the workspace's billing
// settings, read now: crossings are rare (once each until a top-up re-arms
// them), so no cache is worth its staleness.
func (s *Settler) creditAlerts(ws string, res *store.SettleResult) {
	if s.o.Alerter == nil {
		return
	}
	var b store.Billing
	if s.o.Workspaces != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
		w, err := s.o.Workspaces.GetWorkspace(ctx, ws)
		cancel()
		if err != nil {
			s.o.Logger.Warn("meter: billing settings unavailable for a credits alert", "workspace", ws, "err", err)
		} else {
			b = w.Billing
		}
	}
	now := s.o.Now()
	if res.LowBalance {
		s.raise(notify.EventCreditsLow, ws, now, notify.CreditsData{Balance: res.Balance, Threshold: b.LowBalance})
	}
	if res.AutoTopUp {
		s.raise(notify.EventAutoTopUp, ws, now,
			notify.CreditsData{Balance: res.Balance, Threshold: b.AutoTopUpBelow, Amount: b.AutoTopUpAmount})
	}
}

// CapReached raises cap.reached for a SpendCapped decision d of workspace ws
// whose CapNotice is set (the store sets it once per cap and period across
// replicas); model is the request's model. It does nothing for other
// decisions or without an Alerter. d's and ws's strings may alias the
// caller's buffers: they are copied.
func (s *Settler) CapReached(ws string, d *limiter.Decision, model string) {
	if s == nil || s.o.Alerter == nil || d.Outcome != limiter.SpendCapped || !d.CapNotice {
		return
	}
	start := time.Unix(d.Period, 0).UTC()
	data := notify.CapData{Scope: d.Scope.Code(), Limit: d.Limit, PeriodStart: start, PeriodEnd: store.PeriodEnd(start)}
	if d.Scope == limiter.ScopeMemberSpend || d.TokenKind == token.Member {
		data.MemberID = strings.Clone(d.MemberID)
	} else {
		data.KeyID = strings.Clone(d.TokenID)
	}
	if d.Scope == limiter.ScopeKeyModelSpend || d.Scope == limiter.ScopeKeyModelTokensMonth {
		data.Model = strings.Clone(model)
	}
	s.raise(notify.EventCapReached, strings.Clone(ws), s.o.Now(), data)
}

// raise hands one event to the Alerter, which delivers it in the background.
func (s *Settler) raise(typ, ws string, at time.Time, data any) {
	s.o.Alerter.Raise(context.Background(), notify.Event{ID: token.NewID(), Type: typ, Workspace: ws, At: at.UTC(), Data: data})
}
