package redisstore

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// requestsScript pages the audit stream newest first. KEYS ws;
// ARGV end id ("+" or "(<id>"), now (µs, "" reads TIME), retention (ms),
// since (ms, "" none), member id, token id ("" any), count. Entries older
// than the retention are skipped even before XADD's approximate trimming
// removes them. Reply {"0"} without the workspace, else {"1", then id and
// {field, value, ...} per record}.
var requestsScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0'} end
local key = string.sub(KEYS[1], 1, -4) .. ':req'
local hi, ret, mem, tok, count = ARGV[1], tonumber(ARGV[3]), ARGV[5], ARGV[6], tonumber(ARGV[7])
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local lo = math.floor(now / 1000) - ret
local since = tonumber(ARGV[4])
if since and since > lo then lo = since end
lo = string.format('%d', lo)
local out, n = {'1'}, 0
while n < count do
  local page = redis.call('XREVRANGE', key, hi, lo, 'COUNT', 256)
  if #page == 0 then break end
  for _, e in ipairs(page) do
    local f, fm, ft = e[2]
    for i = 1, #f, 2 do
      if f[i] == 'mem' then fm = f[i + 1] elseif f[i] == 'tok' then ft = f[i + 1] end
    end
    hi = '(' .. e[1]
    if (mem == '' or fm == mem) and (tok == '' or ft == tok) then
      out[#out + 1], out[#out + 2] = e[1], f
      n = n + 1
      if n >= count then break end
    end
  end
end
return out`)

// streamID matches a stream entry id, the cursor of Requests.
var streamID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// Requests returns the workspace's audit trail newest first; see
// store.Money. The cursor is the stream id of the last record returned,
// "" on the last page. Times are compared to the millisecond.
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
	v, err := requestsScript.run(ctx, s.c, []string{wsKey(workspace)}, hi, s.nowArg(), s.retention, since,
		q.MemberID, q.TokenID, limit+1).Slice()
	switch {
	case err != nil:
		return nil, "", fmt.Errorf("redisstore: requests: %w", err)
	case len(v) == 0:
		return nil, "", fmt.Errorf("redisstore: requests: %w", errReply)
	case v[0] == "0":
		return nil, "", fmt.Errorf("redisstore: requests: workspace %s: %w", workspace, store.ErrNotFound)
	}
	v = v[1:]
	out := make([]store.RequestRecord, 0, min(len(v)/2, limit))
	next := ""
	for i := 0; i+1 < len(v); i += 2 {
		if len(out) == limit {
			next, _ = v[i-2].(string)
			break
		}
		m, err := fields(v[i+1])
		if err != nil {
			return nil, "", fmt.Errorf("redisstore: requests: record %v: %w", v[i], err)
		}
		out = append(out, decodeRecord(m))
	}
	return out, next, nil
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
