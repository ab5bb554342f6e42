package redisstore

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// Bounds of the work of Requests, so that a filter that matches little
// never holds Redis in one script: one requestsScript call examines at most
// requestsScanPerCall stream entries, and one Requests call makes at most
// requestsCallsPerPage of them before it answers the records found so far
// with a cursor to go on from.
const (
	requestsScanPerCall  = 1024
	requestsCallsPerPage = 16
)

// requestsScript pages the audit stream newest first. KEYS ws;
// ARGV end id ("+" or "(<id>"), now (µs, "" reads TIME), retention (ms),
// since (ms, "" none), member id, token id ("" any), count, scan (the most
// entries to examine). Entries older than the retention are skipped even
// before XADD's approximate trimming removes them. Reply {"0"} without the
// workspace, else {"1", resume, then id and {field, value, ...} per
// record}: resume is the id of the last entry examined when the scan bound
// stopped the call before count records and the end, else "".
var requestsScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0'} end
local key = string.sub(KEYS[1], 1, -4) .. ':req'
local hi, ret, mem, tok, count = ARGV[1], tonumber(ARGV[3]), ARGV[5], ARGV[6], tonumber(ARGV[7])
local scan = tonumber(ARGV[8])
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local lo = math.floor(now / 1000) - ret
local since = tonumber(ARGV[4])
if since and since > lo then lo = since end
lo = string.format('%d', lo)
local out, n, seen = {'1', ''}, 0, 0
while n < count do
  if seen >= scan then
    out[2] = string.sub(hi, 2)
    break
  end
  local want = math.min(256, scan - seen)
  local page = redis.call('XREVRANGE', key, hi, lo, 'COUNT', want)
  for _, e in ipairs(page) do
    local f, fm, ft = e[2]
    for i = 1, #f, 2 do
      if f[i] == 'mem' then fm = f[i + 1] elseif f[i] == 'tok' then ft = f[i + 1] end
    end
    seen = seen + 1
    hi = '(' .. e[1]
    if (mem == '' or fm == mem) and (tok == '' or ft == tok) then
      out[#out + 1], out[#out + 2] = e[1], f
      n = n + 1
      if n >= count then break end
    end
  end
  if #page < want then break end
end
return out`)

// streamID matches a stream entry id, the cursor of Requests.
var streamID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// Requests returns the workspace's audit trail newest first; see
// store.Money. The cursor is the stream id of the last record returned, ""
// on the last page. Times are compared to the millisecond. The member and
// token filters run inside the script; the work is bounded (see
// requestsScanPerCall), so when a filter skips more than
// requestsScanPerCall × requestsCallsPerPage records the page holds fewer
// than q.Limit records, even none, and the cursor (then the id of the last
// record examined) goes on from there.
func (s *Store) Requests(ctx context.Context, workspace string, q store.RequestQuery) ([]store.RequestRecord, string, error) {
	if checkWorkspace(workspace) != nil {
		return nil, "", fmt.Errorf("redisstore: requests: workspace %q: %w", workspace, store.ErrNotFound)
	}
	limit, err := pageLimit("requests", q.Limit)
	if err != nil {
		return nil, "", err
	}
	hi := "+"
	switch {
	case q.Cursor != "":
		if !streamID.MatchString(q.Cursor) {
			return nil, "", fmt.Errorf("redisstore: requests: bad cursor %q", q.Cursor)
		}
		hi = "(" + q.Cursor
	case !q.Until.IsZero():
		hi = "(" + strconv.FormatInt(q.Until.UnixMilli(), 10) + "-0"
	}
	since := ""
	if !q.Since.IsZero() {
		since = strconv.FormatInt(q.Since.UnixMilli(), 10)
	}
	// The store's clock is read once, so every call of the page cuts the
	// retention at the same point (Redis TIME, without one, moves a little).
	now := s.nowArg()
	var out []store.RequestRecord
	var ids []string
	for calls := 0; ; calls++ {
		if calls == requestsCallsPerPage {
			return out, strings.TrimPrefix(hi, "("), nil
		}
		resume, err := s.requestsPage(ctx, workspace, []any{hi, now, s.retention, since, q.MemberID, q.TokenID,
			limit + 1 - len(out), requestsScanPerCall}, &out, &ids)
		if err != nil {
			return nil, "", err
		}
		if len(out) > limit {
			return out[:limit], ids[limit-1], nil
		}
		if resume == "" {
			return out, "", nil
		}
		hi = "(" + resume
	}
}

// requestsPage runs requestsScript once with args, appends the records
// and their stream ids to out and ids, and returns the id to resume after
// ("" when the stream or the page is done).
func (s *Store) requestsPage(ctx context.Context, workspace string, args []any, out *[]store.RequestRecord, ids *[]string) (string, error) {
	v, err := requestsScript.run(ctx, s.c, []string{wsKey(workspace)}, args...).Slice()
	switch {
	case err != nil:
		return "", fmt.Errorf("redisstore: requests: %w", err)
	case len(v) == 0:
		return "", fmt.Errorf("redisstore: requests: %w", errReply)
	case v[0] == "0":
		return "", fmt.Errorf("redisstore: requests: workspace %s: %w", workspace, store.ErrNotFound)
	case len(v) < 2:
		return "", fmt.Errorf("redisstore: requests: %w", errReply)
	}
	resume, ok := v[1].(string)
	if !ok || resume != "" && !streamID.MatchString(resume) {
		return "", fmt.Errorf("redisstore: requests: %w", errReply)
	}
	for i := 2; i+1 < len(v); i += 2 {
		id, _ := v[i].(string)
		m, err := fields(v[i+1])
		if err != nil {
			return "", fmt.Errorf("redisstore: requests: record %v: %w", id, err)
		}
		*out = append(*out, decodeRecord(m))
		*ids = append(*ids, id)
	}
	return resume, nil
}

// decodeRecord reads one audit stream entry (see audit in money.lua).
func decodeRecord(m map[string]string) store.RequestRecord {
	return store.RequestRecord{At: time.UnixMicro(i64(m["at"])).UTC(), RequestID: m["rid"], TokenID: m["tok"],
		MemberID: m["mem"], Kind: m["kind"], Method: m["method"], Route: m["route"], Upstream: m["up"],
		Model: m["model"], Tool: m["tool"], ToolCall: m["call"] == "1", Status: int(i64(m["status"])),
		Error: m["err"] == "1", Cost: i64(m["cost"]), Latency: time.Duration(i64(m["lat"])),
		Tokens: store.Tokens{Input: i64(m["in"]), Output: i64(m["out"]), CachedRead: i64(m["cr"]),
			CachedWrite: i64(m["cw"]), Reasoning: i64(m["rs"])}}
}
