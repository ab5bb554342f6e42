-- Settlement of a batch of requests of one workspace
-- (store.Money.SettleBatch), after money.lua.
-- KEYS[1] = {w:W}:ws
-- ARGV[1] = request retention (ms), ARGV[2] = now in unix microseconds or
-- "" for TIME, ARGV[3..] = one settlement each, a MessagePack array (see
-- settle_pack.go): request id or "", cost (µc), token id, member id, kind
-- ("member" or "key"), upstream, model, tool, 1 for a tool call, 1 for an
-- error, tokens input, output, cached read, cached write, reasoning, the
-- record's request id, method, route, status, latency (ns), 1 when
-- admission held the request (store.Settlement.Held).
-- Reply: "-1" when the workspace does not exist, else for each settlement
-- in order "settled balance low auto" (settled 0 when its request was
-- settled before, by an earlier call or earlier in this one), all
-- space-separated.
-- Idempotence: the hold's presence; a held settlement (Held) that finds
-- none was settled before. A settlement that was not held is guarded by
-- the marker {w:W}:stl:<rid>, which finish sets for a day; so is a hold
-- settled at its estimate on expiry. A hold left by a re-admission under a settled id
-- is settled, not ignored, so it is never charged at its estimate later. A
-- hold past its expiry is settled at its estimate and settled is 0,
-- whether or not a sweep came first.
-- Shared work: the workspace, the balance, the billing settings, the holds
-- (one HMGET) and the markers of the requests without one (one MGET) are
-- read once; every sum is written once by flush (see money.lua); each
-- settlement adds its marker and its audit record.
if redis.call('EXISTS', KEYS[1]) == 0 then return '-1' end
local now = clock()
local tag = string.sub(KEYS[1], 1, -4)
local ret, n = tonumber(ARGV[1]), #ARGV - 2
local S = settler()
local ck = tag .. ':credits'
local c = redis.call('HMGET', ck, 'bal', 'nx', 'pl', 'pa')
local before = tonumber(c[1] or '0')
local bal = before
if due(c[2], now) and S.sweep(tag, now, ret, math.min(4 * n, 64), '') then
  bal = tonumber(redis.call('HGET', ck, 'bal') or '0')
end
local b = redis.call('HMGET', KEYS[1], 'anchor', 'low', 'atb')
local anchor, low, atb = tonumber(b[1] or '0'), tonumber(b[2] or '0'), tonumber(b[3] or '0')

-- Decode the settlements and read their holds, then the markers of those
-- without one.
local st, rids, held, marked = {}, {}, {}, {}
for i = 1, n do
  local f = cmsgpack.unpack(ARGV[i + 2])
  st[i] = f
  if f[1] ~= '' then rids[#rids + 1] = f[1] end
end
if #rids > 0 then
  local hs, keys, ids = redis.call('HMGET', tag .. ':holds:d', unpack(rids)), {}, {}
  for i, id in ipairs(rids) do
    if hs[i] then
      held[id] = hs[i]
    elseif marked[id] == nil then
      marked[id] = false
      keys[#keys + 1] = tag .. ':stl:' .. id
      ids[#ids + 1] = id
    end
  end
  if #keys > 0 then
    local ms = redis.call('MGET', unpack(keys))
    for i, id in ipairs(ids) do marked[id] = ms[i] ~= false end
  end
end

local A, out, seen = S.acc(tag), {}, {}
for i = 1, n do
  local f = st[i]
  local rid, cost = f[1], f[2]
  local s = held[rid]
  local done = 1
  -- The balance before this settlement; for the first, the one before the
  -- sweep, so that the sweep's crossing is reported.
  local from = bal + S.sum(A, ck, 'bal')
  if i == 1 then from = before end
  local h
  if s then h = S.parse_hold(s) end
  if rid ~= '' and (seen[rid] or (not s and (marked[rid] or f[21] == 1))) then
    done = 0
  elseif h and h.exp <= now then
    -- Its hold expired: settled at its estimate, as a sweep would have.
    S.expire(A, tag, now, ret, rid, h)
    done = 0
  else
    local knum = 0
    if f[5] == 'member' then knum = 1 elseif f[5] == 'key' then knum = 2 end
    local r = {tok = f[3], mem = f[4], kind = f[5], knum = knum, up = f[6], model = f[7], tool = f[8], call = f[9],
      err = f[10], tin = f[11], tout = f[12], cr = f[13], cw = f[14], rs = f[15], rid = f[16], method = f[17],
      route = f[18], status = f[19], lat = f[20]}
    S.finish(A, tag, now, ret, rid, h, cost, r, anchor, f[21] ~= 1)
  end
  if rid ~= '' then seen[rid] = true end
  local after = bal + S.sum(A, ck, 'bal')
  local l, a = crossed(from, after, low), crossed(from, after, atb)
  if i == 1 then
    l = l or (c[3] ~= false and low > 0 and after < low)
    a = a or (c[4] ~= false and atb > 0 and after < atb)
  end
  out[i] = string.format('%d %d %d %d', done, after, l and 1 or 0, a and 1 or 0)
end
S.flush(tag, A)
if c[3] or c[4] then redis.call('HDEL', ck, 'pl', 'pa') end
return table.concat(out, ' ')
