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
--
-- Settlements write through an accumulator (acc): the increments of the
-- balance, held credits, caps, roll-ups and ledger rows, the corrections
-- of token counters, the holds to delete and the keys to expire are summed
-- in Lua tables and written once each by flush, so a batch of settlements
-- costs one HINCRBY per field it changes, not one per settlement and field.
-- Markers and audit records are written at once, one per settlement.
-- Reads within the batch never see an accumulated write before flush: the
-- batch script tracks the balance and the ids it settled itself.
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
  local HOLD = '^' .. string.rep('([^ ]*) ', 12) .. '([^ ]*)$'
  local function parse_hold(s)
    local f = {string.match(s, HOLD)} -- one C call; split is the fallback for a shorter record
    if not f[1] then f = split(s) end
    return {hc = tonumber(f[1]), ht = tonumber(f[2]), htot = tonumber(f[3]), b = tonumber(f[4]),
      flags = tonumber(f[5]), p = f[6], kind = tonumber(f[7]), tc = tonumber(f[8]), exp = tonumber(f[9]),
      mem = f[10], tok = f[11], up = f[12], model = f[13] or ''}
  end

  -- acc returns an empty accumulator for workspace tag, with the keys
  -- every settlement writes built once.
  local function acc(tag)
    return {h = {}, hk = {}, px = {}, pk = {}, t = {}, tk = {}, rel = {}, z = {}, zk = {}, u = {}, uk = {},
      ck = tag .. ':credits', req = tag .. ':req', useh = tag .. ':use:h', lu = tag .. ':ledger:u',
      led = tag .. ':ledger'}
  end

  -- inc adds d to field f of hash k.
  local function inc(A, k, f, d)
    if d == 0 then return end
    local h = A.h[k]
    if not h then
      h = {fs = {}, v = {}}
      A.h[k] = h
      A.hk[#A.hk + 1] = k
    end
    if not h.v[f] then
      h.v[f] = 0
      h.fs[#h.fs + 1] = f
    end
    h.v[f] = h.v[f] + d
  end

  -- sum returns what A adds to field f of hash k.
  local function sum(A, k, f)
    local h = A.h[k]
    return h and h.v[f] or 0
  end

  -- expire_in sets key k to expire ttl ms after flush.
  local function expire_in(A, k, ttl)
    if not A.px[k] then A.pk[#A.pk + 1] = k end
    A.px[k] = ttl
  end

  -- zadd adds member m to sorted set k with score sc (a string) at flush,
  -- with the ZADD option opt ('NX', or '' for none).
  local function zadd(A, k, opt, sc, m)
    local z = A.z[k]
    if not z then
      z = {opt = opt, m = {}, ms = {}}
      A.z[k] = z
      A.zk[#A.zk + 1] = k
    end
    if not z.m[m] then
      z.m[m] = sc
      z.ms[#z.ms + 1] = m
    end
  end

  -- fix_tpm adds d to bucket b of the token counter k when b is still in
  -- view at bucket cur; a bucket never goes below 0 (flush applies the
  -- corrections of a counter in order, each clamped). t.b and t.d are the
  -- buckets and deltas in order.
  local function fix_tpm(A, k, b, cur, d)
    if d == 0 or b < cur - BUCKETS then return end
    local t = A.t[k]
    if not t then
      t = {b = {}, d = {}}
      A.t[k] = t
      A.tk[#A.tk + 1] = k
    end
    t.b[#t.b + 1], t.d[#t.d + 1] = b, d
  end

  -- flush_tpm applies the corrections t of token counter k in order.
  local function flush_tpm(k, t)
    local fs, v = {}, {}
    for _, b in ipairs(t.b) do
      if not v[b] then
        v[b] = 0
        fs[#fs + 1] = fmt(b)
      end
    end
    local cur = redis.call('HMGET', k, unpack(fs))
    for i, f in ipairs(fs) do v[tonumber(f)] = tonumber(cur[i] or '0') end
    for i, b in ipairs(t.b) do v[b] = math.max(v[b] + t.d[i], 0) end
    local args = {}
    for _, f in ipairs(fs) do
      args[#args + 1] = f
      args[#args + 1] = fmt(v[tonumber(f)])
    end
    redis.call('HSET', k, unpack(args))
    redis.call('PEXPIRE', k, TTL)
  end

  -- The figures of a roll-up row, in the order of usage's sums.
  local figures = {'n', 'c', 'e', 'i', 'o', 'r', 'w', 'x', 'm'}

  -- flush writes what A accumulated: each changed field once, then the
  -- holds released, the sorted sets and the expiries.
  local function flush(tag, A)
    for _, k in ipairs(A.hk) do
      local h = A.h[k]
      for _, f in ipairs(h.fs) do
        if h.v[f] ~= 0 then redis.call('HINCRBY', k, f, fmt(h.v[f])) end
      end
    end
    for _, k in ipairs(A.tk) do flush_tpm(k, A.t[k]) end
    for _, k in ipairs(A.uk) do
      local u = A.u[k]
      for _, pre in ipairs(u.pres) do
        local row = u.rows[pre]
        for i, f in ipairs(figures) do
          if row[i] ~= 0 then redis.call('HINCRBY', k, pre .. f, fmt(row[i])) end
        end
      end
    end
    if #A.rel > 0 then
      redis.call('HDEL', tag .. ':holds:d', unpack(A.rel))
      redis.call('ZREM', tag .. ':holds', unpack(A.rel))
    end
    for _, k in ipairs(A.zk) do
      local z, args = A.z[k], {}
      if z.opt ~= '' then args[1] = z.opt end
      for _, m in ipairs(z.ms) do
        args[#args + 1] = z.m[m]
        args[#args + 1] = m
      end
      redis.call('ZADD', k, unpack(args))
    end
    for _, k in ipairs(A.pk) do redis.call('PEXPIRE', k, A.px[k]) end
  end

  -- release undoes hold h of request rid: its credits leave the held credits
  -- and caps, and the token counters move by act (the actual tokens counted
  -- as the hold's mode) minus the held ones.
  local function release(A, tag, now, rid, h, act)
    inc(A, A.ck, 'held', -h.hc)
    local cur, d = math.floor(now / WIDTH), act - h.ht
    if has(h.flags, 1) then fix_tpm(A, tag .. ':rl:mt:' .. h.mem, h.b, cur, d) end
    if has(h.flags, 2) then fix_tpm(A, tag .. ':rl:kt:' .. h.tok, h.b, cur, d) end
    if has(h.flags, 4) then fix_tpm(A, tag .. ':rl:wt', h.b, cur, d) end
    if has(h.flags, 8) then fix_tpm(A, tag .. ':rl:kmt:' .. h.tok .. ':' .. h.model, h.b, cur, d) end
    if has(h.flags, 16) then inc(A, capkey(tag, h.kind, h.mem, h.tok, h.p), 'h', -h.hc) end
    if has(h.flags, 32) then
      local k = kmkey(tag, h.tok, h.model, h.p)
      inc(A, k, 'h', -h.hc)
      inc(A, k, 'th', -h.htot)
    end
    A.rel[#A.rel + 1] = rid
  end

  -- spend adds cost (µc) and toks to the period counters of the caller:
  -- the member's (member tokens) or the key's, and the token's per model.
  -- They are counted whether or not a cap is set, so a cap set mid-period
  -- sees the period's spend.
  local function spend(A, tag, kind, mem, tok, model, p, cost, toks)
    if tok == '' or (cost == 0 and toks == 0) then return end
    if cost ~= 0 and (kind == 2 or (kind == 1 and mem ~= '')) then
      local k = capkey(tag, kind, mem, tok, p)
      inc(A, k, 's', cost)
      expire_in(A, k, CAPTTL)
    end
    if model ~= '' then
      local k = kmkey(tag, tok, model, p)
      inc(A, k, 's', cost)
      inc(A, k, 'ts', toks)
      expire_in(A, k, CAPTTL)
    end
  end

  -- usage adds one request to the hour's roll-up ({tag}:use:<hour>, fields
  -- "<token>\t<member>\t<kind>\t<upstream>\t<model>\t<tool>\t<figure>") and its
  -- cost to the ledger's usage row of the member or key for that hour. A
  -- row's figures are summed in A.u by hour key and dimensions.
  local function usage(A, tag, now, r, cost)
    local hour = math.floor(now / 3600000000) * 3600
    if A.hour ~= hour then A.hour, A.hs = hour, fmt(hour) end
    local hs = A.hs
    local k = tag .. ':use:' .. hs
    local pre = r.tok .. '\t' .. r.mem .. '\t' .. r.kind .. '\t' .. r.up .. '\t' .. r.model .. '\t' .. r.tool .. '\t'
    local u = A.u[k]
    if not u then
      u = {rows = {}, pres = {}}
      A.u[k] = u
      A.uk[#A.uk + 1] = k
      expire_in(A, k, USETTL)
      zadd(A, A.useh, '', hs, hs)
      expire_in(A, A.useh, USETTL)
    end
    local row = u.rows[pre]
    if not row then
      row = {0, 0, 0, 0, 0, 0, 0, 0, 0}
      u.rows[pre] = row
      u.pres[#u.pres + 1] = pre
    end
    row[1], row[2], row[3], row[4], row[5] = row[1] + 1, row[2] + r.call, row[3] + r.err, row[4] + r.tin, row[5] + r.tout
    row[6], row[7], row[8], row[9] = row[6] + r.cr, row[7] + r.cw, row[8] + r.rs, row[9] + cost
    if cost ~= 0 then
      local id
      if r.kind == 'member' then id = hs .. ':m:' .. r.mem else id = hs .. ':k:' .. r.tok end
      inc(A, A.lu, id, -cost)
      zadd(A, A.led, 'NX', fmt(hour * 1000), id)
    end
  end

  -- audit appends the record r with its cost to {tag}:req, a stream whose
  -- ids are the store's clock in ms (never below the last id, should the
  -- clock step back), trimmed to the retention ret (ms). Every entry has
  -- the same fields in the same order, which a stream stores once.
  local function audit(A, tag, now, ret, r, cost)
    local k, ms = A.req, math.floor(now / 1000)
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
    expire_in(A, k, ret + 86400000)
  end

  -- finish settles request rid at cost into A: it releases hold h (nil
  -- without one), charges the balance, counts the spend in the hold's
  -- period (else the current one, from anchor), rolls up the usage,
  -- appends the audit record and, when mark is true, marks rid settled
  -- for a day. r holds the record's figures.
  local function finish(A, tag, now, ret, rid, h, cost, r, anchor, mark)
    local toks = r.tin + r.cr + r.cw + r.tout + r.rs
    if h then
      release(A, tag, now, rid, h, counted(h.tc, r.tin + r.cr + r.cw, r.tout + r.rs))
      spend(A, tag, h.kind, h.mem, h.tok, h.model, h.p, cost, toks)
    else
      if not A.period then A.period = fmt(period(now, anchor)) end
      spend(A, tag, r.knum, r.mem, r.tok, r.model, A.period, cost, toks)
    end
    inc(A, A.ck, 'bal', -cost)
    usage(A, tag, now, r, cost)
    audit(A, tag, now, ret, r, cost)
    if mark and rid ~= '' then redis.call('SET', tag .. ':stl:' .. rid, '1', 'PX', MARKTTL) end
  end

  -- expire settles hold h (parsed) of request id at its estimate into A,
  -- with the record of a request that never finished (status 0, an error).
  local function expire(A, tag, now, ret, id, h)
    local kind = 'key'
    if h.kind == 1 then kind = 'member' end
    local r = {rid = id, tok = h.tok, mem = h.mem, kind = kind, knum = h.kind, up = h.up, model = h.model,
      tool = '', method = '', route = '', status = 0, lat = 0, call = 0, err = 1, tin = 0, tout = 0, cr = 0,
      cw = 0, rs = 0}
    finish(A, tag, now, ret, id, h, h.hc, r, 0, true)
  end

  -- sweep settles at most n holds expired at now, skipping request skip,
  -- writes them, and keeps the earliest expiry left in the credits hash
  -- (nx), which admission reads with the balance to learn whether to
  -- sweep. A hold settled in time leaves nx early; the next sweep corrects
  -- it. It returns whether it settled any.
  local function sweep(tag, now, ret, n, skip)
    local hk, ck = tag .. ':holds', tag .. ':credits'
    local ids = redis.call('ZRANGEBYSCORE', hk, '-inf', fmt(now), 'LIMIT', 0, n)
    local A, any = acc(tag), false
    for _, id in ipairs(ids) do
      if id ~= skip then
        local s = redis.call('HGET', tag .. ':holds:d', id)
        if s then
          expire(A, tag, now, ret, id, parse_hold(s))
          any = true
        else
          redis.call('ZREM', hk, id)
        end
      end
    end
    flush(tag, A)
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
  return {parse_hold = parse_hold, acc = acc, sum = sum, flush = flush, finish = finish, expire = expire,
    sweep = sweep, sweep_pending = sweep_pending, alerts = alerts}
end
