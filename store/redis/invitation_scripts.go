package redisstore

// Invitation scripts. Each runs on one workspace's tag, so seat and
// duplicate checks and acceptance are atomic, also on Redis Cluster.
// Members and pending invitations are scanned inside the script (the seat
// count needs them anyway), so no email index has to be kept in step.

// seatUseLua defines seat_use, shared by the scripts that take a seat: the
// active members plus pending, unexpired (at now) invitations of the
// workspace, leaving out invitation skip; -1 when email (lower-case) already
// has a pending invitation or is an active member.
const seatUseLua = `
local function seat_use(tag, email, now, skip)
  local used = 0
  for _, id in ipairs(redis.call('SMEMBERS', tag .. ':invitations')) do
    if id ~= skip then
      local v = redis.call('HMGET', tag .. ':inv:' .. id, 'status', 'exp', 'email')
      if v[1] == 'pending' and tonumber(v[2] or '0') > now then
        if string.lower(v[3] or '') == email then return -1 end
        used = used + 1
      end
    end
  end
  for _, id in ipairs(redis.call('SMEMBERS', tag .. ':members')) do
    local v = redis.call('HMGET', tag .. ':mem:' .. id, 'status', 'email')
    if v[1] == 'active' then
      if string.lower(v[2] or '') == email then return -1 end
      used = used + 1
    end
  end
  return used
end
`

// createInvitationScript: KEYS ws, inv, invitations, invcode; ARGV id,
// lower-case email, now ms, seats, field, value, ... Reply {1} stored, {0}
// no workspace, {-1} taken (id, code, or a pending unexpired invitation or
// active member with the email), {-2, used} no seat left.
var createInvitationScript = newScript(seatUseLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then return {-1} end
local tag = string.sub(KEYS[1], 1, -4)
local now, seats = tonumber(ARGV[3]), tonumber(ARGV[4])
local used = seat_use(tag, ARGV[2], now, '')
if used < 0 then return {-1} end
if seats > 0 and used >= seats then return {-2, used} end
redis.call('HSET', KEYS[2], unpack(ARGV, 5))
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[1])
return {1}`)

// updateInvitationScript: KEYS inv; ARGV from status, new code hex, field,
// value, ... Reply 1 replaced, 0 missing, -3 status is not from, -1 the new
// code belongs to another invitation.
var updateInvitationScript = newScript(`
local cur = redis.call('HMGET', KEYS[1], 'status', 'code', 'id')
if not cur[1] then return 0 end
if cur[1] ~= ARGV[1] then return -3 end
if cur[2] ~= ARGV[2] then
  local tag = string.sub(KEYS[1], 1, string.find(KEYS[1], '}', 1, true))
  local nk = tag .. ':invcode:' .. ARGV[2]
  if redis.call('EXISTS', nk) == 1 then return -1 end
  if cur[2] then redis.call('DEL', tag .. ':invcode:' .. cur[2]) end
  redis.call('SET', nk, cur[3])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
return 1`)

// acceptInvitationScript: KEYS invcode; ARGV now ms, member id, account id,
// token id, token hash hex, n, then n member field/value arguments, then the
// token's. Writes the member, token and index entries exactly as PutMember
// and CreateToken do, with the invitation's role. Reply {1, invitation},
// {0} unknown code, {-3, invitation} not pending or expired, {-1,
// invitation} the account is an active member or an id or hash is taken.
var acceptInvitationScript = newScript(`
local id = redis.call('GET', KEYS[1])
if not id then return {0} end
local tag = string.sub(KEYS[1], 1, string.find(KEYS[1], '}', 1, true))
local ik = tag .. ':inv:' .. id
local inv = redis.call('HGETALL', ik)
if #inv == 0 or redis.call('EXISTS', tag .. ':ws') == 0 then return {0} end
local st = redis.call('HMGET', ik, 'status', 'exp', 'role')
if st[1] ~= 'pending' or tonumber(ARGV[1]) >= tonumber(st[2] or '0') then return {-3, inv} end
local mid, acct, tid, th, n = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if acct ~= '' then
  for _, m in ipairs(redis.call('SMEMBERS', tag .. ':members')) do
    local v = redis.call('HMGET', tag .. ':mem:' .. m, 'status', 'account')
    if v[1] == 'active' and v[2] == acct then return {-1, inv} end
  end
end
local mk, tk, tik = tag .. ':mem:' .. mid, tag .. ':tok:' .. th, tag .. ':tokid:' .. tid
if redis.call('EXISTS', mk) == 1 or redis.call('EXISTS', tk) == 1 or redis.call('EXISTS', tik) == 1 then
  return {-1, inv}
end
redis.call('HSET', mk, unpack(ARGV, 7, 6 + n))
redis.call('HSET', mk, 'role', st[3], 'status', 'active')
redis.call('SADD', tag .. ':members', mid)
redis.call('HSET', tk, unpack(ARGV, 7 + n))
redis.call('SET', tik, th)
redis.call('SADD', tag .. ':tokens', tid)
redis.call('HSET', ik, 'status', 'accepted', 'accepted_by', mid)
return {1, redis.call('HGETALL', ik)}`)
