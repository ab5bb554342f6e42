package redisstore

// Admin-path scripts. Each touches one workspace's keys only, so it runs on
// Redis Cluster; keys built inside a script from the {w:W} tag of its KEYS
// share their slot. Replies: 1 done, 0 missing (ErrNotFound), -1 taken (ErrExists),
// -3 refused by the record's current state (ErrConflict).

// createWorkspaceScript: KEYS ws; ARGV field, value, ... (uprev included).
var createWorkspaceScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`)

// updateWorkspaceScript: KEYS ws; ARGV name, personal, plan.
var updateWorkspaceScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'personal', ARGV[2], 'plan', ARGV[3])
return 1`)

// putMemberScript updates a member hash in place, so the last field that
// Admit writes survives. KEYS ws, mem, members; ARGV id, role, status,
// revocation channel, revocation message, then field, value, .... Replacing
// a stored member is refused (-3, ErrConflict) when it would move ownership
// (only TransferOwnership does) or make a removed member active: the check
// and the write are one step, so a stale read-modify-write that lost a race
// to a transfer or a removal fails. A stored member that admission let
// through (active, not a reader) and that this write stops (any other
// status, or reader) is PUBLISHed after the write.
var putMemberScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local revoke = false
if redis.call('EXISTS', KEYS[2]) == 1 then
  local cur = redis.call('HMGET', KEYS[2], 'role', 'status')
  if (cur[1] == 'owner') ~= (ARGV[2] == 'owner') then return -3 end
  if cur[2] == 'removed' and ARGV[3] == 'active' then return -3 end
  revoke = cur[2] == 'active' and cur[1] ~= 'reader' and (ARGV[3] ~= 'active' or ARGV[2] == 'reader')
end
redis.call('HSET', KEYS[2], unpack(ARGV, 6))
redis.call('SADD', KEYS[3], ARGV[1])
if revoke then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1`)

// setFieldsScript sets fields of an existing hash (SetLimits,
// SetBilling). KEYS the hash; ARGV field, value, ....
var setFieldsScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`)

// putRecordScript replaces a record hash and indexes it.
// KEYS ws, record, index set; ARGV index member, bump uprev ("1" or ""), field, value, ...
var putRecordScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('SADD', KEYS[3], ARGV[1])
if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[1], 'uprev', 1) end
return 1`)

// createTokenScript: KEYS ws, tok, tokid, tokens; ARGV id, hash hex, field, value, ...
var createTokenScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
return 1`)

// revokeTokenScript: KEYS tokid; ARGV revocation channel, revocation
// message. The token key {w:W}:tok:<hash> is derived from the tag of
// KEYS[1] (same slot). The revocation is PUBLISHed after the write, also
// for a token revoked before.
var revokeTokenScript = newScript(`
local h = redis.call('GET', KEYS[1])
if not h then return 0 end
local tag = string.sub(KEYS[1], 1, string.find(KEYS[1], '}', 1, true))
redis.call('HSET', tag .. ':tok:' .. h, 'status', 'revoked')
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`)

// deleteUpstreamScript: KEYS ws, up, upstreams; ARGV name.
var deleteUpstreamScript = newScript(`
if redis.call('DEL', KEYS[2]) == 0 then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'uprev', 1)
return 1`)

// getUpstreamScript: KEYS up, ws. Reply {uprev, {field, value, ...}}, read atomically.
var getUpstreamScript = newScript(`
return {redis.call('HGET', KEYS[2], 'uprev') or '0', redis.call('HGETALL', KEYS[1])}`)

// getTokenScript: KEYS tokid. Reply the token hash as {field, value, ...}, or {} when missing.
var getTokenScript = newScript(`
local h = redis.call('GET', KEYS[1])
if not h then return {} end
local tag = string.sub(KEYS[1], 1, string.find(KEYS[1], '}', 1, true))
return redis.call('HGETALL', tag .. ':tok:' .. h)`)

// listScript: KEYS index set; ARGV key prefix of the records, and for tokens
// the prefix of the token hashes reached through {w:W}:tokid:<id>.
// Reply: one {field, value, ...} per record, unordered.
var listScript = newScript(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local k = ARGV[1] .. id
  if ARGV[2] ~= '' then
    local h = redis.call('GET', k)
    if h then k = ARGV[2] .. h else k = nil end
  end
  if k then
    local r = redis.call('HGETALL', k)
    if #r > 0 then out[#out + 1] = r end
  end
end
return out`)
