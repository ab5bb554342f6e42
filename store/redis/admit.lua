-- Admission: one atomic decision for one request (see doc.go), after money.lua.
-- KEYS[1] = {w:W}:tok:<sha256hex>, KEYS[2] = {w:W}:ws
-- ARGV[1] = upstream name, ARGV[2] = now in unix microseconds or "" for TIME,
-- ARGV[3] = "1" when the gateway knows a public upstream of that name,
-- ARGV[4] = the request's model or "", ARGV[5] = the request id or "",
-- ARGV[6..8] = the hold's credits (µc), input and output tokens,
-- ARGV[9] = the hold lifetime in µs, ARGV[10] = the request retention in ms.
-- Keys derived from the tag ({w:W}:mem:*, :up:*, :rl:*, :cap:*, :credits, :holds*)
-- share the slot of KEYS.
-- Reply: one string of space-separated fields, cheap to read without boxing:
-- "1" when the token is unknown, else
-- "outcome kind tokenid memberid uprev scope limit remaining reset_us retry_us public period notice held role"
-- (memberid may be empty; public is 1 when the public upstream was chosen;
-- period is the billing period's start in unix seconds when a cap applied,
-- else 0; notice is 1 on the first SpendCapped of a cap and period; held is
-- 1 when the request's hold was made; role, last so that it may hold any
-- character, is the member's role for a member token whose member exists,
-- else empty).
local now = clock()
local tag = string.sub(KEYS[2], 1, -4)
local t = redis.call('HMGET', KEYS[1], 'id', 'kind', 'member', 'status', 'rpm', 'ups', 'exp', 'used', 'mrpm', 'tpm', 'mc', 'ml')
if not t[1] then return '1' end
local kind = tonumber(t[2])
local w = redis.call('HMGET', KEYS[2], 'member_rpm', 'key_rpm', 'ws_rpm', 'uprev', 'member_tpm', 'key_tpm', 'ws_tpm',
  'tcount', 'member_mc', 'key_mc', 'anchor')
local uprev = tonumber(w[4] or '0')
local pub, pstart, notice, held, role = 0, 0, 0, 0, ''
local function reply(o, sc, lim, rem, rst, ra)
  return string.format('%d %d %s %s %d %d %d %d %d %d %d %d %d %d %s', o, kind, t[1], t[3] or '', uprev, sc, lim, rem,
    rst, ra, pub, pstart, notice, held, role)
end
local function num(v) return tonumber(v or '0') or 0 end
if t[4] ~= 'active' then return reply(2, 0, 0, 0, 0, 0) end
local exp = num(t[7])
if exp > 0 and now >= exp * 1000 then return reply(2, 0, 0, 0, 0, 0) end
local model, rid = ARGV[4], ARGV[5]
local hc, hin, hout = num(ARGV[6]), num(ARGV[7]), num(ARGV[8])
local tc = 0
if w[8] == 'input' then tc = 1 elseif w[8] == 'output' then tc = 2 end
local ht, htot = counted(tc, hin, hout), hin + hout
-- limits[i] is checked against keys[i]; adds[i] is what an admission adds
-- (1 request, or the held tokens); bits[i] is 0 for request limits, else
-- the hold flag of a token limit.
local limits, scopes, keys, adds, bits = {}, {}, {}, {}, {}
local function limit(l, sc, k, add, b)
  local n = #limits + 1
  limits[n], scopes[n], keys[n], adds[n], bits[n] = l, sc, k, add, b
end
local mkey, mlast, mcap, kcap = nil, 0, 0, 0
local mtpm, ktpm = 0, 0
if kind == 1 then
  mkey = tag .. ':mem:' .. t[3]
  local m = redis.call('HMGET', mkey, 'status', 'rpm', 'role', 'last', 'tpm', 'mc')
  role = m[3] or ''
  if m[1] ~= 'active' then return reply(2, 0, 0, 0, 0, 0) end
  if m[3] == 'reader' then return reply(7, 0, 0, 0, 0, 0) end
  mlast = num(m[4])
  local l = num(m[2])
  if l <= 0 then l = num(w[1]) end
  limit(l, 1, tag .. ':rl:m:' .. t[3], 1, 0)
  mtpm, mcap = num(m[5]), num(m[6])
  if mtpm <= 0 then mtpm = num(w[5]) end
  if mcap <= 0 then mcap = num(w[9]) end
elseif kind == 2 then
  local l = num(t[5])
  if l <= 0 then l = num(w[2]) end
  limit(l, 2, tag .. ':rl:k:' .. t[1], 1, 0)
  ktpm, kcap = num(t[10]), num(t[11])
  if ktpm <= 0 then ktpm = num(w[6]) end
  if kcap <= 0 then kcap = num(w[10]) end
end
limit(num(w[3]), 3, tag .. ':rl:w', 1, 0)
-- Per (token, model) limits: t[9] is ",model=rpm,...", t[12] ",model=tpm:tokens:credits,...";
-- model names hold no ',' or '='.
local kmtpm, kmt, kmc = 0, 0, 0
local okmodel = model ~= '' and not string.find(model, '[,=]')
local function entry(list)
  if not okmodel or not list or list == '' then return nil end
  local _, j = string.find(list, ',' .. model .. '=', 1, true)
  if not j then return nil end
  return string.sub(list, j + 1, string.find(list, ',', j + 1, true) - 1)
end
local e = entry(t[9])
if e then limit(num(e), 4, tag .. ':rl:km:' .. t[1] .. ':' .. model, 1, 0) end
e = entry(t[12])
if e then
  local a, b, c = string.match(e, '^(%d+):(%d+):(%d+)$')
  kmtpm, kmt, kmc = num(a), num(b), num(c)
end
if kind == 1 then limit(mtpm, 5, tag .. ':rl:mt:' .. t[3], ht, 1) end
if kind == 2 then limit(ktpm, 6, tag .. ':rl:kt:' .. t[1], ht, 2) end
limit(num(w[7]), 7, tag .. ':rl:wt', ht, 4)
if kmtpm > 0 then limit(kmtpm, 8, tag .. ':rl:kmt:' .. t[1] .. ':' .. model, ht, 8) end
-- A workspace's own upstream shadows a public one of the same name.
if redis.call('EXISTS', tag .. ':up:' .. ARGV[1]) == 0 then
  if ARGV[3] ~= '1' then return reply(3, 0, 0, 0, 0, 0) end
  pub = 1
end
if t[6] and t[6] ~= '' and not string.find(t[6], ',' .. ARGV[1] .. ',', 1, true) then
  return reply(4, 0, 0, 0, 0, 0)
end
-- Count every applicable limit before writing anything (limiter.Counter.Count).
-- A token limit refuses when counted + held tokens > limit, and a hold of
-- no tokens when counted >= limit: both are "counted + max(held, 1) > limit".
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
    local q = 1
    if bits[i] > 0 and adds[i] > 1 then q = adds[i] end
    -- limiter.Decide, step for step; token limits never become the reported allowed limit.
    -- Remaining is what is left of the limit (0 for an exhausted request limit).
    if n + q > L then
      if allowed or r > ra then oc, sc, lim, rem, rst, ra = 5, scopes[i], L, math.max(L - n, 0), r, r end
      allowed = false
    elseif allowed and bits[i] == 0 then
      local left = L - n - 1
      if sc == 0 or left < rem then sc, lim, rem, rst = scopes[i], L, left, r end
    end
  end
end
if not allowed then return reply(oc, sc, lim, rem, rst, ra) end
-- Holds past their expiry are settled first (a few per call), so the caps
-- and the balance below read right.
local ck = tag .. ':credits'
local c = redis.call('HMGET', ck, 'bal', 'held', 'nx')
if due(c[3], now) then
  settler().sweep_pending(tag, now, num(ARGV[10]), 4)
  c = redis.call('HMGET', ck, 'bal', 'held', 'nx')
end
-- Monthly caps in the current billing period: "spent + held + hold > cap",
-- and a hold of nothing is refused when spent + held >= cap. The first that
-- fails decides; its CapNotice marker is set once per cap and period.
-- Every request with an id is held, a zero hold included: the hold is what
-- makes its settlement idempotent without a marker (see doc.go).
local hold = rid ~= ''
local ps, pe, capk, kmk
if mcap > 0 or kcap > 0 or kmt > 0 or kmc > 0 or hold then
  ps, pe = period(now, num(w[11]))
  if mcap > 0 or kcap > 0 or kmt > 0 or kmc > 0 then pstart = ps end
end
local function capped(k, scope, cap, spent, heldv, add, nf)
  if cap <= 0 or spent + heldv + math.max(add, 1) <= cap then return false end
  if redis.call('HSETNX', k, nf, '1') == 1 then
    notice = 1
    redis.call('PEXPIRE', k, CAPTTL)
  end
  local r = pe * 1000000 - now
  oc, sc, lim, rem, rst, ra = 9, scope, cap, math.max(cap - spent - heldv, 0), r, r
  return true
end
if mcap > 0 or kcap > 0 then
  capk = capkey(tag, kind, t[3], t[1], fmt(ps))
  local v = redis.call('HMGET', capk, 's', 'h')
  local scope, cap = 10, kcap
  if kind == 1 then scope, cap = 9, mcap end
  if capped(capk, scope, cap, num(v[1]), num(v[2]), hc, 'n') then return reply(oc, sc, lim, rem, rst, ra) end
end
if kmc > 0 or kmt > 0 then
  kmk = kmkey(tag, t[1], model, fmt(ps))
  local v = redis.call('HMGET', kmk, 's', 'h', 'ts', 'th')
  if capped(kmk, 11, kmc, num(v[1]), num(v[2]), hc, 'nc') or capped(kmk, 12, kmt, num(v[3]), num(v[4]), htot, 'nt') then
    return reply(oc, sc, lim, rem, rst, ra)
  end
end
-- The balance: the hold's credits must fit in balance − held.
local avail = num(c[1]) - num(c[2])
if hc > avail then return reply(8, 13, avail, 0, 0, 0) end
-- Allowed: count the request, then make the hold.
for i = 1, #limits do
  if limits[i] > 0 and bits[i] == 0 then
    redis.call('HINCRBY', keys[i], fmt(cur), 1)
    if #stale[i] > 0 then redis.call('HDEL', keys[i], unpack(stale[i])) end
    redis.call('PEXPIRE', keys[i], TTL)
  end
end
-- The hold: its record first (HSETNX, so a request id held already is
-- not held twice), then what it adds to the token counters, the caps and
-- the held credits, as its flags say (see doc.go).
if hold then
  local flags = 0
  if ht > 0 then
    for i = 1, #limits do
      if limits[i] > 0 and bits[i] > 0 then flags = flags + bits[i] end
    end
  end
  if capk and hc > 0 then flags = flags + 16 end
  if kmk and (hc > 0 or htot > 0) then flags = flags + 32 end
  local exp = now + num(ARGV[9])
  local rec = string.format('%d %d %d %d %d %d %d %d %d %s %s %s %s', hc, ht, htot, cur, flags, ps, kind, tc, exp,
    t[3] or '', t[1], ARGV[1], model)
  if redis.call('HSETNX', tag .. ':holds:d', rid, rec) == 1 then
    held = 1
    for i = 1, #limits do
      if limits[i] > 0 and bits[i] > 0 and ht > 0 then
        redis.call('HINCRBY', keys[i], fmt(cur), fmt(ht))
        if #stale[i] > 0 then redis.call('HDEL', keys[i], unpack(stale[i])) end
        redis.call('PEXPIRE', keys[i], TTL)
      end
    end
    if has(flags, 16) then
      redis.call('HINCRBY', capk, 'h', fmt(hc))
      redis.call('PEXPIRE', capk, CAPTTL)
    end
    if has(flags, 32) then
      if hc > 0 then redis.call('HINCRBY', kmk, 'h', fmt(hc)) end
      if htot > 0 then redis.call('HINCRBY', kmk, 'th', fmt(htot)) end
      redis.call('PEXPIRE', kmk, CAPTTL)
    end
    if hc > 0 then redis.call('HINCRBY', ck, 'held', fmt(hc)) end
    redis.call('ZADD', tag .. ':holds', fmt(exp), rid)
    if not c[3] or exp < num(c[3]) then redis.call('HSET', ck, 'nx', fmt(exp)) end
  end
end
-- Last used (token) and last active (member), in ms, at most once a minute.
local ms = math.floor(now / 1000)
if num(t[8]) <= ms - 60000 then redis.call('HSET', KEYS[1], 'used', fmt(ms)) end
if mkey and mlast <= ms - 60000 then redis.call('HSET', mkey, 'last', fmt(ms)) end
return reply(oc, sc, lim, rem, rst, ra)
