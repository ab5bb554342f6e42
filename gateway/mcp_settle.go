package gateway

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/tollgate-dev/tollgate/store"
)

// toolCall is one tools/call request of an MCP request, settled on its own:
// every tool call is one usage event with its tool, outcome and price.
// Its strings are copies that outlive the request.
type toolCall struct {
	ref     int        // the message's index in the request (mcp.Call, Observation.Ref)
	tool    string     // the tool's name
	rid     string     // the settlement's request id
	price   int64      // µc, from the price table; charged when the call ran
	denied  bool       // a policy denied it: answered by the gateway, never forwarded
	settled bool       // settled, or handed to a 2024-11-05 session (sessRef)
	sessRef int        // its ref in that session; -1 when not handed
	holds   bool       // it settles under the admission's request id, releasing its hold
	batch   *callBatch // shared by the calls of a request with several; nil for one
}

// callBatch keeps the settlement of a request's first tool call, the one
// under the admission's request id, until the request's other calls have
// settled: settling that id releases the admission's hold, which must
// cover the whole batch until its last call ends (a batch's calls settle
// in any order, on the POST's stream or a 2024-11-05 session's). It is
// safe for concurrent use.
type callBatch struct {
	mu    sync.Mutex
	left  int              // calls not yet settled
	held  bool             // first waits to be submitted
	first store.Settlement // the first call's settlement, when it came before the others
}

// toolCalls applies pol to the inspected messages of st (st.mc.deny,
// denied) and, when the request is metered, lists its tools/call requests
// with their price and request id in st.mc.tools. The first call settles
// under the admission's request id, which releases the admission's hold
// (the sum of every call's price) and so is submitted after the others
// (callBatch); the others under that id with "/k" appended, charged without
// a hold. The names and ids are copied into one allocation, and a request
// with several calls allocates their callBatch.
func (g *Gateway) toolCalls(st *state, pol *mcp.Policy) {
	m := &st.mc
	m.deny, m.denied = m.deny[:0], 0
	size, n := 0, 0
	for i := range m.calls {
		c := &m.calls[i]
		var deny *mcp.Policy
		if c.IsToolCall() {
			if deny = pol.DeniedBy(c.Tool); deny != nil {
				m.denied++
			}
		}
		m.deny = append(m.deny, deny)
		if c.Kind == mcp.Request && c.Method == "tools/call" {
			size += len(c.Tool) + len(st.tk.rid) + 6
			n++
		}
	}
	if n == 0 || !st.tk.on {
		return
	}
	var b strings.Builder
	b.Grow(size)
	offs := m.offs[:0] // per call: where its tool, its id and the next one start
	k := 0
	for i := range m.calls {
		c := &m.calls[i]
		if c.Kind != mcp.Request || c.Method != "tools/call" {
			continue
		}
		offs = append(offs, b.Len())
		b.WriteString(c.Tool)
		offs = append(offs, b.Len())
		b.WriteString(st.tk.rid)
		if k > 0 {
			var nb [24]byte
			b.WriteByte('/')
			b.Write(strconv.AppendInt(nb[:0], int64(k), 10))
		}
		m.tools = append(m.tools, toolCall{ref: i, price: st.tk.tbl.ToolPrice(st.tk.upstream, c.Tool),
			denied: m.deny[i] != nil, sessRef: -1, holds: k == 0})
		k++
	}
	if n > 1 {
		b := &callBatch{left: n}
		for j := range m.tools {
			m.tools[j].batch = b
		}
	}
	offs = append(offs, b.Len())
	all := b.String()
	for j := range m.tools {
		t := &m.tools[j]
		t.tool, t.rid = all[offs[2*j]:offs[2*j+1]], all[offs[2*j+1]:offs[2*j+2]]
	}
	m.offs = offs
}

// settleCall settles one tool call of the request of tk with outcome o,
// observed at at, or, when o is NoResult (no response was seen), with how
// its response ended. A call that ran is charged its price: a result (OK),
// a tool's own error (ToolError: the tool ran), a response too large to
// read (Unread); one refused (RPCError) or denied is free; one whose
// response never came is charged like a response without usage
// (chargesEstimate): the upstream may have run it.
func (g *Gateway) settleCall(tk *ticket, c *toolCall, o mcp.ResultKind, cause endCause, at time.Time) {
	if c.settled || !tk.on {
		return
	}
	c.settled = true
	s := &tk.out
	*s = store.Settlement{Workspace: tk.ws, RequestID: c.rid, Held: tk.held && c.rid == tk.rid} // a batch's other calls were not held
	r := &s.Record
	*r = store.RequestRecord{RequestID: c.rid, TokenID: tk.tokenID, MemberID: tk.memberID, Kind: tk.kind,
		Method: tk.method, Route: tk.route, Upstream: tk.upstream, Tool: c.tool, ToolCall: true,
		Status: tk.status, Latency: at.Sub(tk.start)}
	switch {
	case c.denied:
		r.Error = true
	case o == mcp.OK || o == mcp.Unread:
		s.Cost = c.price
	case o == mcp.ToolError:
		s.Cost, r.Error = c.price, true
	case o == mcp.RPCError:
		r.Error = true
	default:
		r.Error = true
		if c.price > 0 && chargesEstimate(tk.status, cause) {
			s.Cost = c.price
			g.met.SettledAtEstimate(estimateReasons[cause])
		}
	}
	r.Error = r.Error || tk.status >= 400
	r.Cost = s.Cost
	g.submitCall(c, s, at)
}

// submitCall submits s, the settlement of c at at, except that a batch's
// first call waits for the batch's last (callBatch).
func (g *Gateway) submitCall(c *toolCall, s *store.Settlement, at time.Time) {
	b := c.batch
	if b == nil {
		g.settler.Submit(s, at)
		return
	}
	b.mu.Lock()
	b.left--
	if c.holds && b.left > 0 {
		b.first, b.held = *s, true
		b.mu.Unlock()
		return
	}
	last := b.left == 0 && b.held
	b.mu.Unlock()
	g.settler.Submit(s, at)
	if last {
		g.settler.Submit(&b.first, at)
	}
}

// settleAnswered settles a request the gateway answered itself after
// reading its body (denied tool calls): each tool call, free, or the
// request when it had none.
func (g *Gateway) settleAnswered(st *state, status int) {
	if !st.tk.on {
		return
	}
	st.tk.status = status
	if len(st.mc.tools) == 0 {
		g.settleNow(st, status, nil, endGateway)
		return
	}
	now := g.now()
	for i := range st.mc.tools {
		g.settleCall(&st.tk, &st.mc.tools[i], mcp.NoResult, endGateway, now)
	}
	st.tk.on = false
}

// settleCalls settles what is left of a metered MCP request whose response
// ended by cause: each tool call not yet settled (NoResult), or, when it
// had none, the request itself (free, audited).
func (g *Gateway) settleCalls(tk *ticket, calls []toolCall, cause endCause, at time.Time) {
	if !tk.on {
		return
	}
	if len(calls) == 0 {
		g.settle(tk, nil, cause, at)
	}
	for i := range calls {
		g.settleCall(tk, &calls[i], mcp.NoResult, cause, at)
	}
	tk.on = false
}
