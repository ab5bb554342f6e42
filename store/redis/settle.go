package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

// Settle turns the hold of s.RequestID into spend in one EVALSHA of
// settle.lua, sent through the admission pipeline so that settlements
// share round trips with admissions. Like Admit it boxes nothing: the
// record goes to the script field by field, a shape chosen because it runs
// for every request. See store.Money and doc.go.
func (s *Store) Settle(ctx context.Context, st *store.Settlement, r *store.SettleResult) error {
	*r = store.SettleResult{}
	if err := checkSettlement(st); err != nil {
		return err
	}
	rec := &st.Record
	t := rec.Tokens
	a := settleArgs{rid: st.RequestID, now: s.nowArg(), tok: rec.TokenID, mem: rec.MemberID, kind: rec.Kind,
		upstream: rec.Upstream, model: rec.Model, tool: rec.Tool, recID: rec.RequestID, method: rec.Method,
		route: rec.Route, cost: st.Cost, retention: s.retention, call: b2i(rec.ToolCall), err: b2i(rec.Error),
		input: t.Input, output: t.Output, cachedRead: t.CachedRead, cachedWrite: t.CachedWrite,
		reasoning: t.Reasoning, status: int64(rec.Status), latency: int64(rec.Latency)}
	if a.recID == "" {
		a.recID = st.RequestID
	}
	v, err := s.pipe.settle(wsKey(st.Workspace), &a)
	if err != nil {
		return fmt.Errorf("redisstore: settle: %w", err)
	}
	if v == "-1" {
		return fmt.Errorf("redisstore: settle: workspace %s: %w", st.Workspace, store.ErrNotFound)
	}
	var x [4]int64
	if !parseInts(v, x[:]) {
		return fmt.Errorf("redisstore: settle: %w", errReply)
	}
	r.Settled, r.Balance = x[0] == 1, x[1]
	r.LowBalance, r.AutoTopUp = x[2] == 1, x[3] == 1
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// checkSettlement refuses a settlement the store cannot record: an unknown
// workspace id, a negative cost or token count, or a dimension that holds
// a tab (the roll-up's field separator).
func checkSettlement(st *store.Settlement) error {
	if st == nil {
		return errors.New("redisstore: nil settlement")
	}
	if checkWorkspace(st.Workspace) != nil {
		return fmt.Errorf("redisstore: settle: workspace %q: %w", st.Workspace, store.ErrNotFound)
	}
	t := st.Record.Tokens
	if st.Cost < 0 || t.Input < 0 || t.Output < 0 || t.CachedRead < 0 || t.CachedWrite < 0 || t.Reasoning < 0 {
		return fmt.Errorf("redisstore: settle %q: negative cost %d or tokens %+v", st.RequestID, st.Cost, t)
	}
	if len(st.RequestID) > 256 {
		return fmt.Errorf("redisstore: settle: request id of %d bytes: want at most 256", len(st.RequestID))
	}
	rec := &st.Record
	for _, d := range [...]struct{ what, v string }{{"token id", rec.TokenID}, {"member id", rec.MemberID},
		{"kind", rec.Kind}, {"upstream", rec.Upstream}, {"model", rec.Model}, {"tool", rec.Tool}} {
		if strings.ContainsAny(d.v, "\t\n") {
			return fmt.Errorf("redisstore: settle %q: %s %q holds a tab or newline", st.RequestID, d.what, d.v)
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
