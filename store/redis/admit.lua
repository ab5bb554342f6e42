-- Admission: one atomic decision for one request (see doc.go).
-- KEYS[1] = {w:W}:tok:<sha256hex>, KEYS[2] = {w:W}:ws
-- ARGV[1] = upstream name, ARGV[2] = now in unix microseconds or "" for TIME,
-- ARGV[3] = "1" when the gateway knows a public upstream of that name,
-- ARGV[4] = the request's model or "".
-- Keys derived from the tag ({w:W}:mem:*, :up:*, :rl:*) share the slot of KEYS.
-- Reply: one string of space-separated fields, cheap to read without boxing:
-- "1" when the token is unknown, else
-- "outcome kind tokenid memberid uprev scope limit remaining reset_us retry_us public"
-- (memberid may be empty; public is 1 when the public upstream was chosen).
local WIDTH, WINDOW, BUCKETS, TTL = __WIDTH__, __WINDOW__, __BUCKETS__, __TTL__
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tag = string.sub(KEYS[2], 1, -4)
local t = redis.call('HMGET', KEYS[1], 'id', 'kind', 'member', 'status', 'rpm', 'ups', 'exp', 'used', 'mrpm')
if not t[1] then return '1' end
local kind = tonumber(t[2])
local w = redis.call('HMGET', KEYS[2], 'member_rpm', 'key_rpm', 'ws_rpm', 'uprev')
local uprev = tonumber(w[4] or '0')
local pub = 0
local function reply(o, sc, lim, rem, rst, ra)
  return string.format('%d %d %s %s %d %d %d %d %d %d %d', o, kind, t[1], t[3] or '', uprev, sc, lim, rem, rst, ra, pub)
end
if t[4] ~= 'active' then return reply(2, 0, 0, 0, 0, 0) end
local exp = tonumber(t[7] or '0')
if exp > 0 and now >= exp * 1000 then return reply(2, 0, 0, 0, 0, 0) end
local limits, scopes, keys = {}, {}, {}
local mkey, mlast
if kind == 1 then
  mkey = tag .. ':mem:' .. t[3]
  local m = redis.call('HMGET', mkey, 'status', 'rpm', 'role', 'last')
  if m[1] ~= 'active' then return reply(2, 0, 0, 0, 0, 0) end
  if m[3] == 'reader' then return reply(7, 0, 0, 0, 0, 0) end
  mlast = tonumber(m[4] or '0')
  local l = tonumber(m[2] or '0')
  if l <= 0 then l = tonumber(w[1] or '0') end
  limits[1], scopes[1], keys[1] = l, 1, tag .. ':rl:m:' .. t[3]
elseif kind == 2 then
  local l = tonumber(t[5] or '0')
  if l <= 0 then l = tonumber(w[2] or '0') end
  limits[1], scopes[1], keys[1] = l, 2, tag .. ':rl:k:' .. t[1]
end
limits[#limits + 1], scopes[#scopes + 1], keys[#keys + 1] = tonumber(w[3] or '0'), 3, tag .. ':rl:w'
-- Per (token, model) limit: t[9] is ",model=rpm,...", model names hold no ',' or '='.
local model, mr = ARGV[4], t[9]
if model ~= '' and mr and mr ~= '' and not string.find(model, '[,=]') then
  local _, j = string.find(mr, ',' .. model .. '=', 1, true)
  if j then
    local e = string.find(mr, ',', j + 1, true)
    local n = #limits + 1
    limits[n], scopes[n], keys[n] = tonumber(string.sub(mr, j + 1, e - 1)) or 0, 4, tag .. ':rl:km:' .. t[1] .. ':' .. model
  end
end
-- A workspace's own upstream shadows a public one of the same name.
if redis.call('EXISTS', tag .. ':up:' .. ARGV[1]) == 0 then
  if ARGV[3] ~= '1' then return reply(3, 0, 0, 0, 0, 0) end
  pub = 1
end
if t[6] and t[6] ~= '' and not string.find(t[6], ',' .. ARGV[1] .. ',', 1, true) then
  return reply(4, 0, 0, 0, 0, 0)
end
-- Count every applicable limit before writing anything (limiter.Counter.Count).
local cur = math.floor(now / WIDTH)
local allowed, oc, sc, lim, rem, rst, ra = true, 0, 0, 0, 0, 0, 0
local stale = {}
for i = 1, #limits do
  local L = limits[i]
  if L > 0 then
    local h = redis.call('HGETALL', keys[i])
    local n, oldest, old = 0, -1, {}
    for j = 1, #h, 2 do
      local b, c = tonumber(h[j]), tonumber(h[j + 1])
      if b < cur - BUCKETS then
        old[#old + 1] = h[j]
      elseif b <= cur and c > 0 then
        n = n + c
        if oldest < 0 or b < oldest then oldest = b end
      end
    end
    stale[i] = old
    if oldest < 0 then oldest = cur end
    local r = (oldest + 1) * WIDTH + WINDOW - now
    if r < 0 then r = 0 end
    -- limiter.Decide, step for step.
    if n + 1 > L then
      if allowed or r > ra then oc, sc, lim, rem, rst, ra = 5, scopes[i], L, 0, r, r end
      allowed = false
    elseif allowed then
      local left = L - n - 1
      if sc == 0 or left < rem then sc, lim, rem, rst = scopes[i], L, left, r end
    end
  end
end
if allowed then
  for i = 1, #limits do
    if limits[i] > 0 then
      redis.call('HINCRBY', keys[i], string.format('%d', cur), 1)
      if #stale[i] > 0 then redis.call('HDEL', keys[i], unpack(stale[i])) end
      redis.call('PEXPIRE', keys[i], TTL)
    end
  end
  -- Last used (token) and last active (member), in ms, at most once a minute.
  local ms = math.floor(now / 1000)
  if tonumber(t[8] or '0') <= ms - 60000 then redis.call('HSET', KEYS[1], 'used', string.format('%d', ms)) end
  if mkey and mlast <= ms - 60000 then redis.call('HSET', mkey, 'last', string.format('%d', ms)) end
end
return reply(oc, sc, lim, rem, rst, ra)
