-- Settlement of one request (store.Money.Settle), after money.lua.
-- KEYS[1] = {w:W}:ws
-- ARGV[1] = request id or "", ARGV[2] = now in unix microseconds or "" for TIME,
-- ARGV[3] = cost (µc), ARGV[4] = request retention (ms),
-- ARGV[5..10] = token id, member id, kind ("member" or "key"), upstream, model, tool,
-- ARGV[11] = 1 for a tool call, ARGV[12] = 1 for an error,
-- ARGV[13..17] = tokens input, output, cached read, cached write, reasoning,
-- ARGV[18..22] = the record's request id, method, route, status, latency (ns).
-- Reply: "-1" when the workspace does not exist, else
-- "settled balance low auto" (settled 0 when rid was settled before).
-- Idempotence: the hold's presence, else the marker {w:W}:stl:<rid>, which
-- finish sets for a day. A hold left by a re-admission under a settled id
-- is settled, not ignored, so it is never charged at its estimate later. A
-- hold past its expiry is settled at its estimate and Settled is 0,
-- whether or not a sweep came first.
if redis.call('EXISTS', KEYS[1]) == 0 then return '-1' end
local now = clock()
local tag = string.sub(KEYS[1], 1, -4)
local rid, cost, ret = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local S = settler()
local c = redis.call('HMGET', tag .. ':credits', 'bal', 'nx')
local before = tonumber(c[1] or '0')
if due(c[2], now) then S.sweep(tag, now, ret, 4, rid) end
local s
if rid ~= '' then s = redis.call('HGET', tag .. ':holds:d', rid) end
local done = 1
if not s and rid ~= '' and redis.call('EXISTS', tag .. ':stl:' .. rid) == 1 then
  done = 0
elseif s and S.parse_hold(s).exp <= now then
  -- Its hold expired: settled at its estimate, as a sweep would have.
  S.expire(tag, now, ret, rid, s)
  done = 0
else
  local h
  if s then h = S.parse_hold(s) end
  local knum = 0
  if ARGV[7] == 'member' then knum = 1 elseif ARGV[7] == 'key' then knum = 2 end
  local r = {tok = ARGV[5], mem = ARGV[6], kind = ARGV[7], knum = knum, up = ARGV[8], model = ARGV[9],
    tool = ARGV[10], call = tonumber(ARGV[11]), err = tonumber(ARGV[12]), tin = tonumber(ARGV[13]),
    tout = tonumber(ARGV[14]), cr = tonumber(ARGV[15]), cw = tonumber(ARGV[16]), rs = tonumber(ARGV[17]),
    rid = ARGV[18], method = ARGV[19], route = ARGV[20], status = tonumber(ARGV[21]), lat = tonumber(ARGV[22])}
  S.finish(tag, now, ret, rid, h, cost, r, tonumber(redis.call('HGET', KEYS[1], 'anchor') or '0'))
end
local bal, al = S.alerts(tag, before)
return string.format('%d %d %s', done, bal, al)
