-- money.lua: the shared head of admit.lua, settle.lua and the credits
-- script (money_scripts.go prepends it), so that admission, settlement and
-- the expiry of holds move money by the same code. Every key is built from
-- the workspace's {w:W} tag and shares its slot. Numbers sent to Redis are
-- formatted with %d: a Lua number is a double and would print in exponent
-- form past 14 digits.
local WIDTH, WINDOW, BUCKETS, TTL = __WIDTH__, __WINDOW__, __BUCKETS__, __TTL__
local CAPTTL, USETTL, MARKTTL = __CAPTTL__, __USETTL__, __MARKTTL__

local function fmt(n) return string.format('%d', n) end

local function clock()
  if ARGV[2] ~= '' then return tonumber(ARGV[2]) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- Civil dates (proleptic Gregorian, UTC) as days since 1970-01-01, after
-- Howard Hinnant's days_from_civil and civil_from_days.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp + 3
  if m > 12 then m = m - 12 end
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- period returns the start and the end, in unix seconds, of the billing
-- period that holds now (unix microseconds): store.PeriodStart and
-- store.PeriodEnd with the same anchor (0 means 1).
local function period(now, anchor)
  if anchor < 1 then anchor = 1 end
  local y, m, d = civil_from_days(math.floor(now / 86400000000))
  if d < anchor then
    m = m - 1
    if m == 0 then m, y = 12, y - 1 end
  end
  local s = days_from_civil(y, m, anchor) * 86400
  m = m + 1
  if m == 13 then m, y = 1, y + 1 end
  return s, days_from_civil(y, m, anchor) * 86400
end

-- counted returns the tokens a per-minute limit counts under mode tc
-- (0 total, 1 input, 2 output).
local function counted(tc, input, output)
  if tc == 1 then return input elseif tc == 2 then return output end
  return input + output
end

local function has(flags, b) return bit.band(flags, b) ~= 0 end

-- The spend counters of one billing period: a member's or a key's, and a
-- token's per model. Fields: s spent µc, h held µc, ts/th spent/held
-- tokens (per model), n<scope> the CapNotice marker.
local function capkey(tag, kind, mem, tok, p)
  if kind == 1 then return tag .. ':cap:m:' .. mem .. ':' .. p end
  return tag .. ':cap:k:' .. tok .. ':' .. p
end
local function kmkey(tag, tok, model, p) return tag .. ':cap:km:' .. tok .. ':' .. model .. ':' .. p end

-- due reports whether the credits hash's next expiry nx (a HMGET value)
-- has passed at now: then a sweep has holds to settle.
local function due(nx, now) return nx and tonumber(nx) <= now end

local function crossed(before, after, th) return th > 0 and before >= th and after < th end

-- settler returns the functions that settle requests. They are made
-- only when needed, a shape chosen for speed: admission rarely settles an
-- expired hold, and making closures costs each call.
local function settler()
  -- split cuts s at every space; empty fields are kept.
  local function split(s)
    local out, i = {}, 1
    while true do
      local j = string.find(s, ' ', i, true)
      if not j then
        out[#out + 1] = string.sub(s, i)
        return out
      end
      out[#out + 1] = string.sub(s, i, j - 1)
      i = j + 1
    end
  end

  -- A hold is stored in {tag}:holds:d under its request id as
  -- "credits counted tokens bucket flags period kind mode expiry member token upstream model"
  -- (see doc.go) and in {tag}:holds scored by its expiry in microseconds.
  local function parse_hold(s)
    local f = split(s)
    return {hc = tonumber(f[1]), ht = tonumber(f[2]), htot = tonumber(f[3]), b = tonumber(f[4]),
      flags = tonumber(f[5]), p = f[6], kind = tonumber(f[7]), tc = tonumber(f[8]), exp = tonumber(f[9]),
      mem = f[10], tok = f[11], up = f[12], model = f[13] or ''}
  end

  -- fix_tpm adds d to bucket b of the token counter k when b is still in
  -- view at bucket cur; a bucket never goes below 0.
  local function fix_tpm(k, b, cur, d)
    if d == 0 or b < cur - BUCKETS then return end
    local f = fmt(b)
    local v = tonumber(redis.call('HGET', k, f) or '0') + d
    if v < 0 then v = 0 end
    redis.call('HSET', k, f, fmt(v))
    redis.call('PEXPIRE', k, TTL)
  end

  -- release undoes hold h of request rid: its credits leave the held credits
  -- and caps, and the token counters move by act (the actual tokens counted
  -- as the hold's mode) minus the held ones.
  local function release(tag, now, rid, h, act)
    if h.hc ~= 0 then redis.call('HINCRBY', tag .. ':credits', 'held', fmt(-h.hc)) end
    local cur, d = math.floor(now / WIDTH), act - h.ht
    if has(h.flags, 1) then fix_tpm(tag .. ':rl:mt:' .. h.mem, h.b, cur, d) end
    if has(h.flags, 2) then fix_tpm(tag .. ':rl:kt:' .. h.tok, h.b, cur, d) end
    if has(h.flags, 4) then fix_tpm(tag .. ':rl:wt', h.b, cur, d) end
    if has(h.flags, 8) then fix_tpm(tag .. ':rl:kmt:' .. h.tok .. ':' .. h.model, h.b, cur, d) end
    if has(h.flags, 16) then redis.call('HINCRBY', capkey(tag, h.kind, h.mem, h.tok, h.p), 'h', fmt(-h.hc)) end
    if has(h.flags, 32) then
      local k = kmkey(tag, h.tok, h.model, h.p)
      if h.hc ~= 0 then redis.call('HINCRBY', k, 'h', fmt(-h.hc)) end
      if h.htot ~= 0 then redis.call('HINCRBY', k, 'th', fmt(-h.htot)) end
    end
    redis.call('HDEL', tag .. ':holds:d', rid)
    redis.call('ZREM', tag .. ':holds', rid)
  end

  -- spend adds cost (µc) and toks to the period counters of the caller:
  -- the member's (member tokens) or the key's, and the token's per model.
  -- They are counted whether or not a cap is set, so a cap set mid-period
  -- sees the period's spend.
  local function spend(tag, kind, mem, tok, model, p, cost, toks)
    if tok == '' or (cost == 0 and toks == 0) then return end
    if cost ~= 0 and (kind == 2 or (kind == 1 and mem ~= '')) then
      local k = capkey(tag, kind, mem, tok, p)
      redis.call('HINCRBY', k, 's', fmt(cost))
      redis.call('PEXPIRE', k, CAPTTL)
    end
    if model ~= '' then
      local k = kmkey(tag, tok, model, p)
      if cost ~= 0 then redis.call('HINCRBY', k, 's', fmt(cost)) end
      if toks ~= 0 then redis.call('HINCRBY', k, 'ts', fmt(toks)) end
      redis.call('PEXPIRE', k, CAPTTL)
    end
  end

  -- usage adds one request to the hour's roll-up ({tag}:use:<hour>, fields
  -- "<token>\t<member>\t<kind>\t<upstream>\t<model>\t<tool>\t<figure>") and its
  -- cost to the ledger's usage row of the member or key for that hour.
  local function usage(tag, now, r, cost)
    local hour = math.floor(now / 3600000000) * 3600
    local hs = fmt(hour)
    local k = tag .. ':use:' .. hs
    local pre = r.tok .. '\t' .. r.mem .. '\t' .. r.kind .. '\t' .. r.up .. '\t' .. r.model .. '\t' .. r.tool .. '\t'
    redis.call('HINCRBY', k, pre .. 'n', 1)
    local use, v = {'c', 'e', 'i', 'o', 'r', 'w', 'x', 'm'}, {r.call, r.err, r.tin, r.tout, r.cr, r.cw, r.rs, cost}
    for i = 1, #use do
      if v[i] ~= 0 then redis.call('HINCRBY', k, pre .. use[i], fmt(v[i])) end
    end
    redis.call('PEXPIRE', k, USETTL)
    redis.call('ZADD', tag .. ':use:h', hs, hs)
    redis.call('PEXPIRE', tag .. ':use:h', USETTL)
    if cost ~= 0 then
      local id
      if r.kind == 'member' then id = hs .. ':m:' .. r.mem else id = hs .. ':k:' .. r.tok end
      redis.call('HINCRBY', tag .. ':ledger:u', id, fmt(-cost))
      redis.call('ZADD', tag .. ':ledger', 'NX', fmt(hour * 1000), id)
    end
  end

  -- audit appends the record r with its cost to {tag}:req, a stream whose
  -- ids are the store's clock in ms (never below the last id, should the
  -- clock step back), trimmed to the retention ret (ms). Every entry has
  -- the same fields in the same order, which a stream stores once.
  local function audit(tag, now, ret, r, cost)
    local k, ms = tag .. ':req', math.floor(now / 1000)
    local min = fmt(ms - ret)
    local f = {'rid', r.rid, 'tok', r.tok, 'mem', r.mem, 'kind', r.kind, 'method', r.method, 'route', r.route,
      'up', r.up, 'model', r.model, 'tool', r.tool, 'call', fmt(r.call), 'status', fmt(r.status), 'err', fmt(r.err),
      'in', fmt(r.tin), 'out', fmt(r.tout), 'cr', fmt(r.cr), 'cw', fmt(r.cw), 'rs', fmt(r.rs), 'cost', fmt(cost),
      'lat', fmt(r.lat), 'at', fmt(now)}
    local res = redis.pcall('XADD', k, 'MINID', '~', min, fmt(ms) .. '-*', unpack(f))
    if type(res) == 'table' and res.err then
      local last = redis.call('XREVRANGE', k, '+', '-', 'COUNT', 1)
      redis.call('XADD', k, 'MINID', '~', min, string.match(last[1][1], '^(%d+)') .. '-*', unpack(f))
    end
    redis.call('PEXPIRE', k, ret + 86400000)
  end

  -- finish settles request rid at cost: it releases hold h (nil without
  -- one), charges the balance, counts the spend in the hold's period (else
  -- the current one, from anchor), rolls up the usage, appends the audit
  -- record and marks rid settled for a day. r holds the record's figures.
  local function finish(tag, now, ret, rid, h, cost, r, anchor)
    local toks = r.tin + r.cr + r.cw + r.tout + r.rs
    if h then
      release(tag, now, rid, h, counted(h.tc, r.tin + r.cr + r.cw, r.tout + r.rs))
      spend(tag, h.kind, h.mem, h.tok, h.model, h.p, cost, toks)
    else
      local ps = period(now, anchor)
      spend(tag, r.knum, r.mem, r.tok, r.model, fmt(ps), cost, toks)
    end
    if cost ~= 0 then redis.call('HINCRBY', tag .. ':credits', 'bal', fmt(-cost)) end
    usage(tag, now, r, cost)
    audit(tag, now, ret, r, cost)
    if rid ~= '' then redis.call('SET', tag .. ':stl:' .. rid, '1', 'PX', MARKTTL) end
  end

  -- expire settles hold s of request id at its estimate, with the record
  -- of a request that never finished (status 0, an error).
  local function expire(tag, now, ret, id, s)
    local h = parse_hold(s)
    local kind = 'key'
    if h.kind == 1 then kind = 'member' end
    local r = {rid = id, tok = h.tok, mem = h.mem, kind = kind, knum = h.kind, up = h.up, model = h.model,
      tool = '', method = '', route = '', status = 0, lat = 0, call = 0, err = 1, tin = 0, tout = 0, cr = 0,
      cw = 0, rs = 0}
    finish(tag, now, ret, id, h, h.hc, r, 0)
  end

  -- sweep settles at most n holds expired at now, skipping request skip,
  -- and keeps the earliest expiry left in the credits hash (nx), which
  -- admission reads with the balance to learn whether to sweep. A hold
  -- settled in time leaves nx early; the next sweep corrects it. It returns
  -- whether it settled any.
  local function sweep(tag, now, ret, n, skip)
    local hk, ck = tag .. ':holds', tag .. ':credits'
    local ids = redis.call('ZRANGEBYSCORE', hk, '-inf', fmt(now), 'LIMIT', 0, n)
    local any = false
    for _, id in ipairs(ids) do
      if id ~= skip then
        local s = redis.call('HGET', tag .. ':holds:d', id)
        if s then
          expire(tag, now, ret, id, s)
          any = true
        else
          redis.call('ZREM', hk, id)
        end
      end
    end
    local first = redis.call('ZRANGE', hk, 0, 0, 'WITHSCORES')
    if first[2] then
      redis.call('HSET', ck, 'nx', fmt(tonumber(first[2])))
    else
      redis.call('HDEL', ck, 'nx')
    end
    return any
  end

  -- sweep_pending sweeps for a caller that reports no alerts (Admit,
  -- Credits): a threshold it crosses is left pending in the credits hash
  -- (pl, pa) for the next Settle, AddCredits or RedeemVoucher to report.
  local function sweep_pending(tag, now, ret, n)
    local ck = tag .. ':credits'
    local before = tonumber(redis.call('HGET', ck, 'bal') or '0')
    if not sweep(tag, now, ret, n, '') then return end
    local after = tonumber(redis.call('HGET', ck, 'bal') or '0')
    local b = redis.call('HMGET', tag .. ':ws', 'low', 'atb')
    if crossed(before, after, tonumber(b[1] or '0')) then redis.call('HSET', ck, 'pl', '1') end
    if crossed(before, after, tonumber(b[2] or '0')) then redis.call('HSET', ck, 'pa', '1') end
  end

  -- alerts returns "low auto" (1 or 0 each) for a change of balance from
  -- before to the current balance, including alerts left pending, which it
  -- clears; a pending alert is dropped when the balance is back above its
  -- threshold.
  local function alerts(tag, before)
    local ck = tag .. ':credits'
    local c = redis.call('HMGET', ck, 'bal', 'pl', 'pa')
    local b = redis.call('HMGET', tag .. ':ws', 'low', 'atb')
    local after, low, atb = tonumber(c[1] or '0'), tonumber(b[1] or '0'), tonumber(b[2] or '0')
    local l = crossed(before, after, low) or (c[2] ~= false and low > 0 and after < low)
    local a = crossed(before, after, atb) or (c[3] ~= false and atb > 0 and after < atb)
    if c[2] or c[3] then redis.call('HDEL', ck, 'pl', 'pa') end
    local function n(x) if x then return 1 end return 0 end
    return after, n(l) .. ' ' .. n(a)
  end
  return {parse_hold = parse_hold, finish = finish, expire = expire, sweep = sweep, sweep_pending = sweep_pending,
    alerts = alerts}
end
