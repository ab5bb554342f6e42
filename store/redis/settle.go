package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// Settle turns the hold of s.RequestID into spend in one EVALSHA of
// settle.lua, sent through the admission pipeline so that settlements
// share round trips with admissions. See store.Money and doc.go.
func (s *Store) Settle(ctx context.Context, st *store.Settlement, r *store.SettleResult) error {
	*r = store.SettleResult{}
	if err := checkSettlement(st); err != nil {
		return err
	}
	rec := st.Record
	rec.At = time.Time{} // the script keeps the store's time beside the JSON
	if rec.RequestID == "" {
		rec.RequestID = st.RequestID
	}
	j, err := json.Marshal(&rec)
	if err != nil {
		return fmt.Errorf("redisstore: settle: %w", err)
	}
	t := rec.Tokens
	v, err := s.pipe.eval(settleScript, []string{wsKey(st.Workspace)}, st.RequestID, s.nowArg(), st.Cost, s.retention,
		rec.TokenID, rec.MemberID, rec.Kind, rec.Upstream, rec.Model, rec.Tool, flag(rec.ToolCall), flag(rec.Error),
		t.Input, t.Output, t.CachedRead, t.CachedWrite, t.Reasoning, j)
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
