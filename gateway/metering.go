package gateway

import (
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/meter/usage"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/valyala/fasthttp"
)

// PriceBook gives the price table in force; *meter.Book satisfies it. A nil
// table means metering is off: nothing is refused and every cost is 0.
type PriceBook interface {
	Load() *meter.Table
}

// Settler takes the settlement of each admitted request when its response
// ends; *meter.Settler satisfies it. Submit copies s and must not block
// unless its queue is full. CapReached raises the cap.reached alert of a
// SpendCapped decision whose CapNotice is set.
type Settler interface {
	Submit(s *store.Settlement, ended time.Time)
	CapReached(ws string, d *limiter.Decision, model string)
}

// ticket is what the settlement of one admitted request needs. Its strings
// live in one allocation made when the request is admitted, so they outlive
// the request's buffers (a response is settled after its handler returned,
// a drained one after its client left) and are never changed afterwards:
// the store may keep them.
type ticket struct {
	on       bool // the request was admitted while metering: settle it once
	ws, rid  string
	tokenID  string
	memberID string
	kind     string // "member" or "key"
	method   string
	route    string // /{upstream}/{path}, no query string
	upstream string
	model    string // the request's model, "" when it named none (the response's is used)
	tbl      *meter.Table
	price    meter.ModelPrice
	priced   bool  // price applies (the request named a model the table priced)
	estimate int64 // the admission estimate in µc, charged when no usage can be read
	held     bool  // the store held rid at admission (not Degraded): its settlement says so (store.Settlement.Held)
	// unnamed marks a request with a body that names no model while
	// pricing is on: admission held the table's DefaultRequest, which
	// becomes its estimate once it is routed to an LLM upstream (unmetered).
	unnamed  bool
	format   usage.Format
	injected bool // include_usage was added to the request: strip it from an SSE response
	start    time.Time
	status   int              // the status sent to the client
	out      store.Settlement // scratch for the settlement handed to the Settler
}

// meterRequest prepares the metering of a request before admission: the
// request id, the estimate held at admission (refusing a model the price
// table does not price; holding the table's DefaultRequest for a body that
// names no model), and the include_usage rewrite of a streamed OpenAI chat
// request. It returns failNone, or the failure and its detail.
func (g *Gateway) meterRequest(ctx *fasthttp.RequestCtx, st *state, rest []byte) (failure, string) {
	st.tk = ticket{}
	if g.settler == nil {
		return failNone, ""
	}
	tk := &st.tk
	tk.on = true
	if g.prices != nil {
		tk.tbl = g.prices.Load()
	}
	tk.format = usage.FormatOf(rest)
	body := ctx.Request.Body()
	if st.named != "" {
		p, ok := tk.tbl.Price(st.named)
		if !ok {
			return failUnknownModel, st.named
		}
		e := tk.tbl.EstimateAt(p, len(body), st.scan.maxTokens, st.scan.choices)
		tk.price, tk.priced = p, true
		tk.estimate = e.Credits
		st.req.Hold = limiter.Hold{Credits: e.Credits, Input: e.Input, Output: e.Output}
	} else if tk.tbl != nil && len(body) > 0 && (!st.mc.inspected || st.mc.err != nil) {
		// A JSON-RPC body (MCP) is priced per tool call instead, below.
		tk.unnamed = true
		st.req.Hold = limiter.Hold{Credits: tk.tbl.DefaultRequest()}
	}
	if e := mcpEstimate(st, st.req.Upstream); e > 0 {
		tk.estimate += e
		st.req.Hold.Credits += e
	}
	st.rid = g.ids.append(st.rid[:0])
	st.req.RequestID = alias(st.rid)
	if tk.format == usage.OpenAIChat && st.scan.stream {
		if out, ok := usage.InjectIncludeUsage(st.body[:0], body); ok {
			st.body, tk.injected = out, true
		}
	}
	return failNone, ""
}

// unmetered handles a request on its way to an LLM upstream whose body
// names no model (ticket.unnamed: a batch, a file upload, a multipart audio
// or image request, a stored prompt): with pricing.default_request_credits
// that default, held at admission, becomes its estimate; without, the
// gateway answers 400 unmetered_request, settles it at no cost and reports
// true. The check waits for the route because only an LLM upstream is
// metered by model: an MCP request names none and is priced per tool call.
func (g *Gateway) unmetered(ctx *fasthttp.RequestCtx, st *state) bool {
	tk := &st.tk
	if !tk.unnamed {
		return false
	}
	if d := tk.tbl.DefaultRequest(); d > 0 {
		tk.estimate = d
		return false
	}
	g.fail(ctx, failUnmetered, nil)
	g.settleNow(st, ctx.Response.StatusCode(), nil, endGateway)
	return true
}

// admitted completes the ticket of an admitted request: it copies every
// string the settlement needs into one allocation.
func (g *Gateway) admitted(ctx *fasthttp.RequestCtx, st *state, name, rest []byte, model string, start time.Time) {
	tk := &st.tk
	if !tk.on {
		return
	}
	d := &st.dec
	if q := strings.IndexByte(alias(rest), '?'); q >= 0 {
		rest = rest[:q]
	}
	parts := [...]string{st.req.Workspace, alias(st.rid), d.TokenID, d.MemberID, alias(ctx.Method()), model, alias(name)}
	n := 1 + len(name) + len(rest)
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.WriteString(p)
	}
	b.WriteByte('/')
	b.Write(name)
	b.Write(rest)
	all := b.String()
	var out [len(parts)]string
	i := 0
	for k, p := range parts {
		out[k], i = all[i:i+len(p)], i+len(p)
	}
	tk.ws, tk.rid, tk.tokenID, tk.memberID, tk.method, tk.model, tk.upstream = out[0], out[1], out[2], out[3], out[4], out[5], out[6]
	tk.route = all[i:]
	tk.kind = d.TokenKind.String()
	tk.start = start
	tk.held = !d.Degraded
}

// settleNow settles an admitted request that got no upstream body to read:
// the gateway answered it (a route or upstream failure), or the upstream's
// answer had no body stream. res may be nil (no usage).
func (g *Gateway) settleNow(st *state, status int, res *usage.Result, cause endCause) {
	if !st.tk.on {
		return
	}
	st.tk.status = status
	g.settle(&st.tk, res, cause, g.now())
	st.tk.on = false
}
