package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/tollgate-dev/tollgate/store"
)

// auditCap is how many entries a workspace's audit log keeps; older ones
// are dropped as new ones arrive.
const auditCap = 100000

// AppendAudit records e in its workspace's log: a sorted set scored by the
// entry's time in ms whose members are entry ids (so equal times order by
// id), and a hash of id to the entry's JSON. ErrNotFound if the workspace
// does not exist, ErrExists if the id is taken.
func (s *Store) AppendAudit(ctx context.Context, e *store.AuditEntry) error {
	if e == nil {
		return errors.New("redisstore: nil audit entry")
	}
	if err := checkWorkspace(e.WorkspaceID); err != nil {
		return err
	}
	if err := checkPart("audit entry id", e.ID); err != nil {
		return err
	}
	if e.Time.IsZero() {
		return errors.New("redisstore: audit entry without a time")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redisstore: append audit: %w", err)
	}
	ws := e.WorkspaceID
	return verdict("append audit", appendAuditScript.run(ctx, s.c,
		[]string{wsKey(ws), auditKey(ws), auditEntriesKey(ws)},
		e.ID, strconv.FormatInt(e.Time.UnixMilli(), 10), b, auditCap))
}

// ListAudit returns the workspace's entries that match q, oldest first
// (time, then id). Times are compared to the millisecond.
func (s *Store) ListAudit(ctx context.Context, workspace string, q store.AuditQuery) ([]store.AuditEntry, error) {
	if checkWorkspace(workspace) != nil {
		return nil, nil
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("redisstore: invalid audit limit %d: want 0 (100) or more", q.Limit)
	}
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	lo, hi := "-inf", "+inf"
	if !q.Since.IsZero() {
		lo = strconv.FormatInt(q.Since.UnixMilli(), 10)
	}
	if !q.Until.IsZero() {
		hi = "(" + strconv.FormatInt(q.Until.UnixMilli(), 10)
	}
	v, err := listAuditScript.run(ctx, s.c, []string{auditKey(workspace), auditEntriesKey(workspace)},
		lo, hi, q.ActorID, q.After, limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list audit: %w", err)
	}
	out := make([]store.AuditEntry, len(v))
	for i, j := range v {
		if err := json.Unmarshal([]byte(j), &out[i]); err != nil {
			return nil, fmt.Errorf("redisstore: list audit: entry %d: %w", i, err)
		}
	}
	return out, nil
}

// appendAuditScript: KEYS ws, audit, audit:e; ARGV id, time ms, json, cap.
var appendAuditScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return -1 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  for i = 1, #old, 500 do redis.call('HDEL', KEYS[3], unpack(old, i, math.min(i + 499, #old))) end
end
return 1`)

// listAuditScript: KEYS audit, audit:e; ARGV min score, max score, actor id
// ("" any), after id ("" none), limit. Reply: the matching entries' JSON,
// oldest first. An unknown after id matches from the start.
var listAuditScript = newScript(`
local lo, hi, actor, after, limit = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local asc
if after ~= '' then
  asc = redis.call('ZSCORE', KEYS[1], after)
  if asc then
    if lo == '-inf' or tonumber(asc) > tonumber(lo) then lo = asc end
    asc = tonumber(asc)
  end
end
local out, off = {}, 0
while #out < limit do
  local page = redis.call('ZRANGEBYSCORE', KEYS[1], lo, hi, 'WITHSCORES', 'LIMIT', off, 256)
  if #page == 0 then break end
  off = off + #page / 2
  for i = 1, #page, 2 do
    local id = page[i]
    if not (asc and tonumber(page[i + 1]) == asc and id <= after) then
      local j = redis.call('HGET', KEYS[2], id)
      if j and (actor == '' or cjson.decode(j).actor_id == actor) then
        out[#out + 1] = j
        if #out >= limit then break end
      end
    end
  end
end
return out`)
