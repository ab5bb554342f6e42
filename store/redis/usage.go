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

// Bounds of one usageScript call, so that a long range never blocks Redis
// in one script: UsageRows reads usagePageHours hours per call at most, and
// stops earlier once it has read usagePageFields hash fields (a busy hour
// is read whole, whatever its size).
const (
	usagePageHours  = 24
	usagePageFields = 4096
)

// usageScript reads one page of the hourly roll-ups with hour in
// [ARGV[1], ARGV[2]] (unix seconds, "(" for exclusive, or ±inf) through
// {w:W}:use:h, the index of hours: at most ARGV[3] hours, stopping after
// the hour that brings the fields read to ARGV[4]. KEYS ws. Reply {0}
// without the workspace, else {1, resume, then hour, {field, value, ...}
// per hour}: resume is the last hour read when more may follow, "" when
// the range is done.
var usageScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local tag = string.sub(KEYS[1], 1, -4)
local maxh, maxf = tonumber(ARGV[3]), tonumber(ARGV[4])
local hours = redis.call('ZRANGEBYSCORE', tag .. ':use:h', ARGV[1], ARGV[2], 'LIMIT', 0, maxh)
local out, nf = {1, ''}, 0
for i, h in ipairs(hours) do
  local r = redis.call('HGETALL', tag .. ':use:' .. h)
  if #r > 0 then
    out[#out + 1] = h
    out[#out + 1] = r
    nf = nf + #r / 2
  end
  if i == maxh or (nf >= maxf and i < #hours) then
    out[2] = h
    break
  end
end
return out`)

// UsageRows returns the workspace's hourly roll-ups with Hour in
// [from, to) (a zero bound is open), ordered by hour, then token, model,
// tool, member, kind and upstream. It reads them a page at a time (see
// usagePageHours), one script call each, so that 400 days of roll-ups
// never hold Redis in one script; pages read at different moments may
// miss a request settled in between, as any report read while traffic
// flows.
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
	var out []store.UsageRow
	for {
		resume, rows, err := s.usagePage(ctx, workspace, lo, hi, out)
		if err != nil {
			return nil, err
		}
		out = rows
		if resume == "" {
			break
		}
		lo = "(" + resume
	}
	slices.SortFunc(out, func(a, b store.UsageRow) int {
		return cmp.Or(a.Hour.Compare(b.Hour), strings.Compare(a.TokenID, b.TokenID), strings.Compare(a.Model, b.Model),
			strings.Compare(a.Tool, b.Tool), strings.Compare(a.MemberID, b.MemberID), strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.Upstream, b.Upstream))
	})
	return out, nil
}

// usagePage runs usageScript once for hours in [lo, hi], appends the rows
// it read to out, and returns the hour to resume after ("" when done).
func (s *Store) usagePage(ctx context.Context, workspace, lo, hi string, out []store.UsageRow) (string, []store.UsageRow, error) {
	v, err := usageScript.run(ctx, s.c, []string{wsKey(workspace)}, lo, hi, usagePageHours, usagePageFields).Slice()
	switch {
	case err != nil:
		return "", nil, fmt.Errorf("redisstore: usage rows: %w", err)
	case len(v) == 0:
		return "", nil, fmt.Errorf("redisstore: usage rows: %w", errReply)
	case v[0] == int64(0):
		return "", nil, fmt.Errorf("redisstore: usage rows: workspace %s: %w", workspace, store.ErrNotFound)
	case len(v) < 2:
		return "", nil, fmt.Errorf("redisstore: usage rows: %w", errReply)
	}
	resume, ok := v[1].(string)
	if !ok || resume != "" && !isInt(resume) {
		return "", nil, fmt.Errorf("redisstore: usage rows: %w", errReply)
	}
	for i := 2; i+1 < len(v); i += 2 {
		hs, _ := v[i].(string)
		m, err := fields(v[i+1])
		if err != nil {
			return "", nil, fmt.Errorf("redisstore: usage rows: %w", err)
		}
		out = appendUsage(out, time.Unix(i64(hs), 0).UTC(), m)
	}
	return resume, out, nil
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
