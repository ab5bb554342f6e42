package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/store"
)

// settleChunk bounds the settlements one EVALSHA of settle.lua carries, so
// that one script holds Redis, and the admissions that share its
// pipeline, for a bounded time (under a millisecond).
const settleChunk = 64

// Settle turns the hold of st.RequestID into spend: it is SettleBatch of
// one. See store.Money and doc.go.
func (s *Store) Settle(ctx context.Context, st *store.Settlement, r *store.SettleResult) error {
	sts, rs := [1]*store.Settlement{st}, [1]store.SettleResult{}
	err := s.SettleBatch(ctx, sts[:], rs[:])
	*r = rs[0]
	return err
}

// SettleBatch settles each of sts as Settle would, in order, writing rs[i]
// for sts[i] (see store.Money.SettleBatch): one EVALSHA of settle.lua per
// workspace and up to settleChunk settlements, each settlement one packed
// argument, sent through the admission pipeline so that settlements share
// round trips with admissions, a shape chosen for speed: the syscalls of
// a round trip of its own were most of a small batch's CPU. The script
// reads the workspace's balance, billing and holds once per call and
// writes each sum once (see doc.go).
func (s *Store) SettleBatch(ctx context.Context, sts []*store.Settlement, rs []store.SettleResult) error {
	if len(rs) < len(sts) {
		return fmt.Errorf("redisstore: %w: %d results for %d settlements", store.ErrInvalidSettlement, len(rs), len(sts))
	}
	for i, st := range sts {
		rs[i] = store.SettleResult{}
		if err := checkSettlement(st); err != nil {
			return fmt.Errorf("redisstore: settlement %d: %w", i, err)
		}
	}
	if len(sts) == 0 {
		return nil
	}
	b := settleBatches.Get().(*settleBatch)
	b.pack(sts, s.retention, s.nowArg())
	if !b.run(s.pipe) {
		return fmt.Errorf("redisstore: settle: %w", errClosed) // b may be held by the pipeline: not reused
	}
	defer b.free()
	for i := range b.calls {
		c := &b.calls[i]
		v, err := c.v, c.err
		switch {
		case err != nil:
			return fmt.Errorf("redisstore: settle: %w", err)
		case v == "-1":
			return fmt.Errorf("redisstore: settle: workspace %s: %w", sts[c.idx[0]].Workspace, store.ErrNotFound)
		case !parseSettled(v, c.idx, rs):
			return fmt.Errorf("redisstore: settle: %w", errReply)
		}
	}
	return nil
}

// settleBatch is one SettleBatch's script calls. It is pooled, a shape
// chosen for speed: the settlements are packed into one buffer, made a
// string once, and passed as pointers to its substrings (go-redis writes
// *string arguments), so a batch allocates a few times, not per
// settlement.
type settleBatch struct {
	buf       []byte
	all       string // buf as a string, which strs slice
	strs      []string
	ends      []int // of each settlement in buf, in call order
	calls     []settleCall
	retention int64
	now       string
}

// settleCall is one EVALSHA: the settlements idx (indexes into the batch)
// of one workspace, in order, and its reply.
type settleCall struct {
	keys []string // the workspace key
	idx  []int
	args []any
	p    call // in the pipeline
	v    string
	err  error
}

var settleBatches = sync.Pool{New: func() any { return new(settleBatch) }}

func (b *settleBatch) free() {
	for i := range b.calls {
		c := &b.calls[i]
		clear(c.args)
		*c = settleCall{keys: c.keys[:0], idx: c.idx[:0], args: c.args[:0], p: call{done: c.p.done}}
	}
	b.calls, b.all, b.buf, b.ends = b.calls[:0], "", b.buf[:0], b.ends[:0]
	clear(b.strs)
	b.strs = b.strs[:0]
	settleBatches.Put(b)
}

// pack groups sts into calls by workspace (in order of first appearance,
// at most settleChunk each) and packs their arguments.
func (b *settleBatch) pack(sts []*store.Settlement, retention int64, now string) {
	b.retention, b.now = retention, now
	for i, st := range sts {
		c := b.callOf(st.Workspace)
		c.idx = append(c.idx, i)
	}
	// Pack in call order, so that each call's arguments are contiguous.
	for i := range b.calls {
		for _, j := range b.calls[i].idx {
			b.buf = appendSettlement(b.buf, sts[j])
			b.ends = append(b.ends, len(b.buf))
		}
	}
	b.all = string(b.buf)
	start, n := 0, 0
	for i := range b.calls {
		c := &b.calls[i]
		c.args = append(c.args, &b.retention, &b.now)
		for range c.idx {
			b.strs = append(b.strs, b.all[start:b.ends[n]])
			start = b.ends[n]
			n++
		}
	}
	// Take the pointers once strs no longer grows.
	n = 0
	for i := range b.calls {
		c := &b.calls[i]
		for range c.idx {
			c.args = append(c.args, &b.strs[n])
			n++
		}
	}
}

// callOf returns the last call of workspace ws with room for one more
// settlement, adding one if there is none.
func (b *settleBatch) callOf(ws string) *settleCall {
	k := wsKey(ws)
	for i := len(b.calls) - 1; i >= 0; i-- {
		if c := &b.calls[i]; c.keys[0] == k {
			if len(c.idx) < settleChunk {
				return c
			}
			break
		}
	}
	n := len(b.calls)
	if n == cap(b.calls) {
		b.calls = append(b.calls, settleCall{})
	}
	b.calls = b.calls[:n+1]
	c := &b.calls[n]
	c.keys = append(c.keys[:0], k)
	return c
}

// run sends the calls through the admission pipeline, all at once so
// that they share round trips, then waits for their replies; the pipeline
// retries a call with EVAL on NOSCRIPT. Timeouts are the client's. It
// reports false when the store is closed: then a call may still sit in
// the pipeline's queue and b must not be reused.
func (b *settleBatch) run(p *pipeliner) bool {
	sent := 0
	for i := range b.calls {
		c := &b.calls[i]
		if c.p.done == nil {
			c.p.done = make(chan struct{}, 1)
		}
		c.p.sc, c.p.keys, c.p.args = settleScript, c.keys, c.args
		if !p.send(&c.p) {
			break
		}
		sent++
	}
	ok := sent == len(b.calls)
	for i := range b.calls[:sent] {
		c := &b.calls[i]
		c.v, c.err = p.wait(&c.p)
		c.p.cmd = nil
		ok = ok && c.err != errClosed
	}
	for i := range b.calls[sent:] {
		b.calls[sent+i].err = errClosed
	}
	return ok
}

// checkSettlement refuses a settlement the store cannot record: an unknown
// workspace id, a negative cost or token count, a cost above
// store.MaxSettlementCost or a token count above store.MaxSettlementTokens
// (so that no sum in settle.lua overflows), or a dimension that holds a
// tab (the roll-up's field separator).
func checkSettlement(st *store.Settlement) error {
	if err := st.Validate(); err != nil {
		return err
	}
	if checkWorkspace(st.Workspace) != nil {
		return fmt.Errorf("workspace %q: %w", st.Workspace, store.ErrNotFound)
	}
	rec := &st.Record
	for _, d := range [...]struct{ what, v string }{{"token id", rec.TokenID}, {"member id", rec.MemberID},
		{"kind", rec.Kind}, {"upstream", rec.Upstream}, {"model", rec.Model}, {"tool", rec.Tool}} {
		if strings.ContainsAny(d.v, "\t\n") {
			return fmt.Errorf("%w %q: %s %q holds a tab or newline", store.ErrInvalidSettlement, st.RequestID, d.what, d.v)
		}
	}
	return nil
}

// nowArg is the scripts' ARGV "now": "" to read Redis TIME, or
// Options.Now in unix microseconds.
func (s *Store) nowArg() string {
	if s.now == nil {
		return ""
	}
	return strconv.FormatInt(s.now().UnixMicro(), 10)
}

// parseInts parses len(x) space-separated integers of v into x.
func parseInts(v string, x []int64) bool {
	for i := range x {
		f := v
		if i < len(x)-1 {
			j := strings.IndexByte(v, ' ')
			if j < 0 {
				return false
			}
			f, v = v[:j], v[j+1:]
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return false
		}
		x[i] = n
	}
	return true
}
