package redisstore

import (
	"context"
	"encoding/json"
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
// removes them. Reply {"0"} without the workspace, else {"1", then id,
// at µs, json per record}.
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
    local f, fm, ft, fa, fj = e[2]
    for i = 1, #f, 2 do
      local k, v = f[i], f[i + 1]
      if k == 'm' then fm = v elseif k == 't' then ft = v elseif k == 'a' then fa = v elseif k == 'j' then fj = v end
    end
    hi = '(' .. e[1]
    if (mem == '' or fm == mem) and (tok == '' or ft == tok) then
      out[#out + 1], out[#out + 2], out[#out + 3] = e[1], fa or '0', fj or '{}'
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
		q.MemberID, q.TokenID, limit+1).StringSlice()
	if v, err = found(v, err); err != nil {
		return nil, "", fmt.Errorf("redisstore: requests: workspace %s: %w", workspace, err)
	}
	out := make([]store.RequestRecord, 0, min(len(v)/3, limit))
	next := ""
	for i := 0; i+2 < len(v); i += 3 {
		if len(out) == limit {
			next = v[i-3]
			break
		}
		var r store.RequestRecord
		if err := json.Unmarshal([]byte(v[i+2]), &r); err != nil {
			return nil, "", fmt.Errorf("redisstore: requests: record %s: %w", v[i], err)
		}
		r.At = time.UnixMicro(i64(v[i+1])).UTC()
		out = append(out, r)
	}
	return out, next, nil
}
