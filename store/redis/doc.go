// Package redisstore is the store.Store backend on Redis or Redis Cluster,
// shared by any number of gateway replicas.
//
// # Key layout
//
// Every key of workspace W carries the hash tag {w:W}, so a script may touch
// all of them and Redis Cluster keeps them in one slot (the tag has no
// constant prefix inside the braces, so workspaces spread over shards):
//
//	{w:W}:ws               hash  name, created, member_rpm, key_rpm, ws_rpm, uprev, personal ("1"/"0"), plan
//	{w:W}:tok:<sha256hex>  hash  id, kind, member, status, rpm, ups (",a,b," or ""), exp (unix ms, 0 never), hash, display, name, created, used (last admitted, ms), mrpm (",model=rpm," or "")
//	{w:W}:tokid:<id>       string  the token's sha256 hex
//	{w:W}:mem:<id>         hash  id, email, role, status, rpm, account, created, last (last admitted, ms; written only by Admit)
//	{w:W}:up:<name>        hash  name, base_url, kind, auth_header, auth_scheme, credential, created
//	{w:W}:members, {w:W}:tokens, {w:W}:upstreams   sets of ids / names
//	{w:W}:inv:<id>         hash  id, email, role, code (sha256 hex), status, by, accepted_by, created, exp (ms), mailed (1/0)
//	{w:W}:invitations      set of invitation ids
//	{w:W}:invcode:<sha256hex>  string  the invitation id of a code
//	{w:W}:audit            sorted set of audit entry ids scored by entry time in ms (equal times order by id)
//	{w:W}:audit:e          hash  entry id -> the entry's JSON; both capped at 100000 entries, oldest dropped
//	{w:W}:rl:m:<memberID>, {w:W}:rl:k:<tokenID>, {w:W}:rl:w, {w:W}:rl:km:<tokenID>:<model>   rate counters
//	tg:workspaces          set of workspace ids (admin path only, outside every tag)
//	tg:acct:<id>           hash  id, email, personal (workspace id), created     (admin path only)
//	tg:acct:email:<email>  string  the account id of a lower-case email          (admin path only)
//	tg:acct:<id>:ws        set of workspace ids where the account has a member   (admin path only)
//	tg:plan:<name>, tg:plans   plan hash (name, seats, keys, member_rpm, key_rpm, ws_rpm); set of names
//
// Invitation creation (seat and duplicate checks) and acceptance (member,
// token and their index entries, written as PutMember and CreateToken would)
// are one script each on the workspace's tag, so they are atomic. They scan
// the workspace's members and invitations, which the seat count needs
// anyway, instead of keeping an email index in step. DeleteWorkspace deletes
// every key of the tag in one script, reached through the index sets, then
// removes the id from tg:workspaces and the accounts' sets.
//
// A rate counter is a hash whose fields are absolute bucket numbers
// (limiter.BucketOf) and whose values are admitted requests. Every write
// refreshes its PEXPIRE to Window + 2*BucketWidth (70 s), longer than any
// bucket stays in view, and deletes buckets that left view; idle counters
// vanish on their own. Times are unix milliseconds; the script's clock has
// microsecond resolution.
//
// # The admission script
//
// Admit is one EVALSHA of admit.lua (EVAL once more only on NOSCRIPT, after a
// restart or SCRIPT FLUSH). KEYS[1] is the token key, KEYS[2] the workspace
// key; the member, upstream and rate keys are built inside the script from
// the {w:W} tag of KEYS[2] and therefore share their slot. Steps:
//
//  1. now = redis.call('TIME') (Options.Now replaces it in tests only).
//  2. Token missing: Unknown. Not active or expired (now >= exp): Revoked.
//     Member tokens: member not active: Revoked; member role reader:
//     RoleForbidden. Keys survive their creator's removal and role.
//  3. No {w:W}:up:<name>: UpstreamUnknown. Restricted key and the name not in
//     its list: Forbidden.
//  4. Count every applicable limit (member token: member rpm else ws
//     member_rpm; key: key rpm else ws key_rpm; then ws_rpm; 0 is off) over
//     the Buckets+1 buckets in view, exactly as limiter.Counter.Count, and
//     combine them exactly as limiter.Decide. If any is exhausted: Limited
//     with the longest retry, and nothing is written.
//  5. Otherwise HINCRBY the current bucket of each applicable limit, so only
//     admitted requests are counted. A limit that is off is not counted.
//     Then, if at least 60 s old, HSET the token's used and (member tokens)
//     the member's last to now in ms: at most one write each a minute.
//
// The reply is a flat array of integers plus the token and member ids,
// parsed into limiter.Decision in place.
//
// # Timeouts
//
// A store made from a URL uses Options.Timeout (default 75 ms) as the dial,
// read, write and pool timeout, with no retries, so no call waits longer and
// no per-request context is allocated.
package redisstore
