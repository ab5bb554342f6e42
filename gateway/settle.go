package gateway

import (
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/tollgate-dev/tollgate/store"
)

// endCause is how a response's body ended, which decides what is charged
// when no usage was read (see settle).
type endCause uint8

const (
	endNone       endCause = iota // still being read
	endComplete                   // read to its end
	endCut                        // the upstream failed mid-body
	endClientGone                 // the client left and the body was not read on (nothing to learn from it)
	endDrainLimit                 // the client left and reading on hit the drain bounds
	endTooLarge                   // a JSON body larger than maxUsageBody: its usage was not parsed
	endGateway                    // the gateway answered (no upstream response)
)

// estimateReasons label tollgate_settled_at_estimate_total by endCause.
var estimateReasons = [...]string{
	endNone: "no_usage", endComplete: "no_usage", endCut: "upstream_cut", endClientGone: "client_gone",
	endDrainLimit: "drain_limit", endTooLarge: "body_too_large", endGateway: "no_usage",
}

// settle computes the cost of the request of tk from res (nil: no usage
// read) and submits its settlement, stamped ended.
//
// With usage, the cost is the tokens at the price of the request's model
// (usageCost); when the body did not reach its end (cut, its client gone,
// the drain at its bounds) what was read may be a start, such as
// Anthropic's message_start with its placeholder output count, so the cost
// is then at least the estimate. Without usage, a request whose estimate
// is not zero is charged the estimate when its response was a success or
// was cut (the upstream may have billed work it did not report), and
// nothing when the upstream answered an error status in full or the
// gateway answered it.
func (g *Gateway) settle(tk *ticket, res *usage.Result, cause endCause, ended time.Time) {
	s := &tk.out
	*s = store.Settlement{Workspace: tk.ws, RequestID: tk.rid, Held: tk.held}
	r := &s.Record
	*r = store.RequestRecord{RequestID: tk.rid, TokenID: tk.tokenID, MemberID: tk.memberID, Kind: tk.kind,
		Method: tk.method, Route: tk.route, Upstream: tk.upstream, Model: tk.model, Status: tk.status,
		Latency: ended.Sub(tk.start)}
	r.Error = tk.status >= 400 || cause == endCut
	if res != nil {
		r.Error = r.Error || res.Errored
		if r.Model == "" && store.ValidModelName(res.Model) {
			r.Model = res.Model
		}
	}
	switch {
	case res != nil && res.Found:
		r.Tokens = store.Tokens(res.Tokens)
		s.Cost = g.usageCost(tk, r.Model, res.Model, res.Tokens)
		if s.Cost < tk.estimate && incomplete(cause) && chargesEstimate(tk.status, cause) {
			s.Cost = tk.estimate // what was seen may be a start (Anthropic's message_start)
			g.met.SettledAtEstimate(estimateReasons[cause])
		}
	case tk.estimate > 0 && chargesEstimate(tk.status, cause):
		s.Cost = tk.estimate
		g.met.SettledAtEstimate(estimateReasons[cause])
	}
	r.Cost = s.Cost
	g.settler.Submit(s, ended)
}

// incomplete reports whether a body that ended by cause was not read to
// its end, so the usage it reported may not be its last word.
func incomplete(cause endCause) bool {
	return cause == endCut || cause == endClientGone || cause == endDrainLimit
}

// usageCost returns what tokens cost for the request of tk whose record
// names model and whose answer named answered: at the request's model's
// price, or the price the table lists for answered when that is dearer (a
// cheap name the upstream maps to a dear model is charged as the dear one);
// when the request named no model, at the price of answered. An answer
// whose model has no price (or that names none) then costs the estimate,
// the table's DefaultRequest: an unpriced model never makes a request free
// while the table refuses unknown models.
func (g *Gateway) usageCost(tk *ticket, model, answered string, t usage.Tokens) int64 {
	p, ok := tk.price, tk.priced
	if !ok && model != "" {
		p, ok = tk.tbl.Price(model)
	}
	if !ok && tk.estimate > 0 {
		g.met.SettledAtEstimate("unpriced_model")
		return tk.estimate
	}
	var cost int64
	if ok {
		cost = meter.Cost(p, meter.Tokens(t))
	}
	if tk.priced && answered != "" && answered != tk.model {
		if q, listed := tk.tbl.Listed(answered); listed {
			cost = max(cost, meter.Cost(q, meter.Tokens(t)))
		}
	}
	if tk.tbl != nil && cost == 0 && t.Total() > 0 {
		g.unpriced(model)
	}
	return cost
}

// chargesEstimate reports whether a response that ended by cause with
// status, and said nothing of its usage, is charged its estimate: a success
// (2xx, 3xx) is, and so is an error whose body could not be read whole; an
// error the upstream answered in full, or one the gateway answered, is not.
func chargesEstimate(status int, cause endCause) bool {
	switch cause {
	case endGateway:
		return false
	case endCut, endDrainLimit, endTooLarge:
		return true
	}
	return status < 400
}

// unpriced logs, once per model and process, usage that cost nothing (a
// model priced at zero, perhaps by mistake: LiteLLM #37923), and counts
// every occurrence.
func (g *Gateway) unpriced(model string) {
	g.met.Unpriced(model)
	if _, seen := g.unpricedSeen.Load(model); seen || g.unpricedCount.Load() >= maxUnpricedLogged {
		return
	}
	if _, seen := g.unpricedSeen.LoadOrStore(model, struct{}{}); !seen {
		g.unpricedCount.Add(1)
		g.log.Warn("gateway: tokens used at a cost of zero; is the model priced at zero by mistake?", "model", model)
	}
}

// maxUnpricedLogged bounds the models logged by unpriced.
const maxUnpricedLogged = 1000

// inflight counts work that Shutdown waits for (bodies read on after their
// client left). Its zero value is ready; it is safe for concurrent use.
type inflight struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to 0; nil when nobody waits
}

func (f *inflight) add() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	if f.n--; f.n == 0 && f.zero != nil {
		close(f.zero)
		f.zero = nil
	}
	f.mu.Unlock()
}

// idle returns a channel closed once nothing is in flight.
func (f *inflight) idle() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	if f.zero == nil {
		f.zero = make(chan struct{})
	}
	return f.zero
}
