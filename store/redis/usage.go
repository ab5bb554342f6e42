package redisstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// usageScript reads the hourly roll-ups with hour in [ARGV[1], ARGV[2]]
// (unix seconds or ±inf) through {w:W}:use:h, the index of hours. KEYS
// ws. Reply {0} without the workspace, else {1, then hour, {field, value,
// ...} per hour}.
var usageScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local tag = string.sub(KEYS[1], 1, -4)
local out = {1}
for _, h in ipairs(redis.call('ZRANGEBYSCORE', tag .. ':use:h', ARGV[1], ARGV[2])) do
  local r = redis.call('HGETALL', tag .. ':use:' .. h)
  if #r > 0 then
    out[#out + 1] = h
    out[#out + 1] = r
  end
end
return out`)

// UsageRows returns the workspace's hourly roll-ups with Hour in
// [from, to) (a zero bound is open), ordered by hour, then token, model,
// tool, member, kind and upstream.
func (s *Store) UsageRows(ctx context.Context, workspace string, from, to time.Time) ([]store.UsageRow, error) {
	if checkWorkspace(workspace) != nil {
		return nil, fmt.Errorf("redisstore: usage rows: workspace %q: %w", workspace, store.ErrNotFound)
	}
	lo, hi := "-inf", "+inf"
	if !from.IsZero() {
		lo = strconv.FormatInt(ceilSecond(from), 10)
	}
	if !to.IsZero() {
		hi = "(" + strconv.FormatInt(ceilSecond(to), 10)
	}
	v, err := usageScript.run(ctx, s.c, []string{wsKey(workspace)}, lo, hi).Slice()
	switch {
	case err != nil:
		return nil, fmt.Errorf("redisstore: usage rows: %w", err)
	case len(v) == 0:
		return nil, fmt.Errorf("redisstore: usage rows: %w", errReply)
	case v[0] == int64(0):
		return nil, fmt.Errorf("redisstore: usage rows: workspace %s: %w", workspace, store.ErrNotFound)
	}
	var out []store.UsageRow
	for i := 1; i+1 < len(v); i += 2 {
		hs, _ := v[i].(string)
		m, err := fields(v[i+1])
		if err != nil {
			return nil, fmt.Errorf("redisstore: usage rows: %w", err)
		}
		out = appendUsage(out, time.Unix(i64(hs), 0).UTC(), m)
	}
	slices.SortFunc(out, func(a, b store.UsageRow) int {
		return cmp.Or(a.Hour.Compare(b.Hour), strings.Compare(a.TokenID, b.TokenID), strings.Compare(a.Model, b.Model),
			strings.Compare(a.Tool, b.Tool), strings.Compare(a.MemberID, b.MemberID), strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.Upstream, b.Upstream))
	})
	return out, nil
}

// appendUsage appends the rows of one hour's roll-up hash m, whose fields
// are "<token>\t<member>\t<kind>\t<upstream>\t<model>\t<tool>\t<figure>".
func appendUsage(out []store.UsageRow, hour time.Time, m map[string]string) []store.UsageRow {
	idx := make(map[string]int)
	for f, val := range m {
		i := strings.LastIndexByte(f, '\t')
		if i < 0 {
			continue
		}
		dims, fig := f[:i], f[i+1:]
		j, ok := idx[dims]
		if !ok {
			p := strings.SplitN(dims, "\t", 6)
			if len(p) != 6 {
				continue
			}
			j = len(out)
			idx[dims] = j
			out = append(out, store.UsageRow{Hour: hour, TokenID: p[0], MemberID: p[1], Kind: p[2],
				Upstream: p[3], Model: p[4], Tool: p[5]})
		}
		addFigure(&out[j], fig, i64(val))
	}
	return out
}

// addFigure adds n to the figure named fig (see usage in money.lua).
func addFigure(r *store.UsageRow, fig string, n int64) {
	switch fig {
	case "n":
		r.Requests += n
	case "c":
		r.ToolCalls += n
	case "e":
		r.Errors += n
	case "i":
		r.Tokens.Input += n
	case "o":
		r.Tokens.Output += n
	case "r":
		r.Tokens.CachedRead += n
	case "w":
		r.Tokens.CachedWrite += n
	case "x":
		r.Tokens.Reasoning += n
	case "m":
		r.Credits += n
	}
}

// ceilSecond returns t in unix seconds, rounded up.
func ceilSecond(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}
