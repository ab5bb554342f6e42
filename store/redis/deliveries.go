package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tollgate-dev/tollgate/store"
)

// recordDeliveryScript adds or replaces one delivery: {w:W}:dlv scores
// delivery ids by time (ms), {w:W}:dlv:e maps them to their JSON. It drops
// deliveries older than the retention and beyond deliveriesCap, and both
// keys expire a day after the retention if no delivery follows. KEYS ws;
// ARGV id, at ms, json, now ms ("" reads TIME), retention ms, cap.
var recordDeliveryScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local tag = string.sub(KEYS[1], 1, -4)
local z, e = tag .. ':dlv', tag .. ':dlv:e'
redis.call('ZADD', z, ARGV[2], ARGV[1])
redis.call('HSET', e, ARGV[1], ARGV[3])
local now, ret = tonumber(ARGV[4]), tonumber(ARGV[5])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local old = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. string.format('%d', now - ret), 'LIMIT', 0, 100)
local over = redis.call('ZCARD', z) - #old - tonumber(ARGV[6])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', z, #old, #old + over - 1)) do old[#old + 1] = id end
end
if #old > 0 then
  redis.call('ZREM', z, unpack(old))
  redis.call('HDEL', e, unpack(old))
end
redis.call('PEXPIRE', z, ret + 86400000)
redis.call('PEXPIRE', e, ret + 86400000)
return 1`)

// RecordDelivery adds d, or replaces the delivery with its ID, filling a
// zero At from the store's clock. ErrNotFound without the workspace.
func (s *Store) RecordDelivery(ctx context.Context, d *store.Delivery) error {
	switch {
	case d == nil:
		return errors.New("redisstore: nil delivery")
	case d.ID == "" || len(d.ID) > 256:
		return fmt.Errorf("redisstore: delivery id %q: want 1 to 256 bytes", d.ID)
	case d.WebhookID == "":
		return fmt.Errorf("redisstore: delivery %q has no webhook id", d.ID)
	}
	if checkWorkspace(d.WorkspaceID) != nil {
		return fmt.Errorf("redisstore: record delivery: workspace %q: %w", d.WorkspaceID, store.ErrNotFound)
	}
	if d.At.IsZero() {
		now, err := s.clock(ctx)
		if err != nil {
			return err
		}
		d.At = now
	}
	j, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("redisstore: record delivery: %w", err)
	}
	now := ""
	if s.now != nil {
		now = ms(s.now())
	}
	return verdict("record delivery", recordDeliveryScript.run(ctx, s.c, []string{wsKey(d.WorkspaceID)},
		d.ID, d.At.UnixMilli(), j, now, s.retention, deliveriesCap))
}

// deliveriesScript: KEYS ws; ARGV now ms ("" reads TIME), retention ms.
// Reply {"0"} without the workspace, else {"1", json, ...} newest first
// (equal times by id, descending), within the retention.
var deliveriesScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0'} end
local tag = string.sub(KEYS[1], 1, -4)
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local ids = redis.call('ZREVRANGEBYSCORE', tag .. ':dlv', '+inf', string.format('%d', now - tonumber(ARGV[2])))
local out = {'1'}
if #ids > 0 then
  for _, j in ipairs(redis.call('HMGET', tag .. ':dlv:e', unpack(ids))) do
    if j then out[#out + 1] = j end
  end
end
return out`)

// Deliveries returns the workspace's deliveries newest first, of one
// webhook when webhookID is not "", at most limit (0: 100), within the
// request retention. ErrNotFound without the workspace.
func (s *Store) Deliveries(ctx context.Context, workspace, webhookID string, limit int) ([]store.Delivery, error) {
	limit, err := pageLimit("deliveries", limit)
	if err != nil {
		return nil, err
	}
	if checkWorkspace(workspace) != nil {
		return nil, fmt.Errorf("redisstore: deliveries: workspace %q: %w", workspace, store.ErrNotFound)
	}
	now := ""
	if s.now != nil {
		now = ms(s.now())
	}
	v, err := found(deliveriesScript.run(ctx, s.c, []string{wsKey(workspace)}, now, s.retention).StringSlice())
	if err != nil {
		return nil, fmt.Errorf("redisstore: deliveries: workspace %s: %w", workspace, err)
	}
	out := []store.Delivery{}
	for _, j := range v {
		var d store.Delivery
		if err := json.Unmarshal([]byte(j), &d); err != nil {
			return nil, fmt.Errorf("redisstore: deliveries: %w", err)
		}
		if webhookID == "" || d.WebhookID == webhookID {
			out = append(out, d)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}
