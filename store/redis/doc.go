// Package redisstore is the store.Store backend on Redis or Redis Cluster,
// shared by any number of gateway replicas.
//
// # Key layout
//
// Every key of workspace W carries the hash tag {w:W}, so a script may touch
// all of them and Redis Cluster keeps them in one slot (the tag has no
// constant prefix inside the braces, so workspaces spread over shards):
//
//	{w:W}:ws               hash  name, created, uprev, personal ("1"/"0"), plan; limits member_rpm, key_rpm, ws_rpm,
//	                             member_tpm, key_tpm, ws_tpm, tcount ("", input, output), member_mc, key_mc (µc);
//	                             billing anchor, low, atb, ata (µc)
//	{w:W}:tok:<sha256hex>  hash  id, kind, member, status, rpm, tpm, mc, ups (",a,b," or ""), exp (unix ms, 0 never), hash, display, name, created, used (last admitted, ms), mrpm (",model=rpm," or ""), ml (",model=tpm:tokens:credits," or "")
//	{w:W}:tokid:<id>       string  the token's sha256 hex
//	{w:W}:mem:<id>         hash  id, email, role, status, rpm, tpm, mc, account, created, last (last admitted, ms; written only by Admit)
//	{w:W}:up:<name>        hash  name, base_url, kind, auth_header, auth_scheme, credential, created
//	{w:W}:members, {w:W}:tokens, {w:W}:upstreams   sets of ids / names
//	{w:W}:inv:<id>         hash  id, email, role, code (sha256 hex), status, by, accepted_by, created, exp (ms), mailed (1/0)
//	{w:W}:invitations      set of invitation ids
//	{w:W}:invcode:<sha256hex>  string  the invitation id of a code
//	{w:W}:audit            sorted set of audit entry ids scored by entry time in ms (equal times order by id)
//	{w:W}:audit:e          hash  entry id -> the entry's JSON; both capped at 100000 entries, oldest dropped
//	{w:W}:rl:m:<memberID>, {w:W}:rl:k:<tokenID>, {w:W}:rl:w, {w:W}:rl:km:<tokenID>:<model>   request counters
//	{w:W}:rl:mt:<memberID>, {w:W}:rl:kt:<tokenID>, {w:W}:rl:wt, {w:W}:rl:kmt:<tokenID>:<model>  token counters
//	{w:W}:credits          hash  bal, held (µc); nx (earliest hold expiry, µs); pl, pa (alerts pending)
//	{w:W}:holds            sorted set of request ids scored by their hold's expiry (µs)
//	{w:W}:holds:d          hash  request id -> "credits counted tokens bucket flags period kind mode expiry member token upstream model"
//	{w:W}:cap:m:<memberID>:<period>, {w:W}:cap:k:<tokenID>:<period>   hash  s spent, h held (µc); n CapNotice marker
//	{w:W}:cap:km:<tokenID>:<model>:<period>   hash  s, h (µc), ts, th (tokens); nc, nt markers
//	{w:W}:stl:<requestID>  string  settled marker, kept a day; only for settlements admission did not hold
//	                             (degraded admissions, extra settlements) and holds settled on expiry
//	{w:W}:use:<hour>       hash  "<token>\t<member>\t<kind>\t<upstream>\t<model>\t<tool>\t<figure>" -> sum;
//	                             figures n requests, c tool calls, e errors, i o r w x tokens (input, output,
//	                             cached read and write, reasoning), m µc
//	{w:W}:use:h            sorted set of the hours (unix s) that have a roll-up
//	{w:W}:ledger           sorted set of ledger entry ids scored by ms (usage rows by their hour)
//	{w:W}:ledger:e         hash  transaction id -> "<at µs> <balance> <json>" (explicit transactions)
//	{w:W}:ledger:u         hash  "<hour>:<m|k>:<id>" -> amount (µc, negative): the usage rows
//	{w:W}:req              stream  the request audit trail, one entry per settled request with the fields
//	                               rid tok mem kind method route up model tool call status err in out cr cw rs
//	                               cost lat (ns) at (µs), always in that order; ids are the store's clock in ms
//	{w:W}:webhooks         hash  webhook id -> JSON
//	{w:W}:tools            hash  "<upstream> <scope>" -> the store.ToolPolicy's JSON
//	{w:W}:dlv, {w:W}:dlv:e sorted set of delivery ids by time (ms); hash id -> JSON; at most 1000
//	{tg:v}:v:<id>, {tg:v}:h:<sha256hex>, {tg:v}:all   voucher hash; its id by code hash; ids by creation
//	tg:workspaces          set of workspace ids (admin path only, outside every tag)
//	tg:acct:<id>           hash  id, email, personal (workspace id), created     (admin path only)
//	tg:acct:email:<email>  string  the account id of a lower-case email          (admin path only)
//	tg:acct:<id>:ws        set of workspace ids where the account has a member   (admin path only)
//	tg:plan:<name>, tg:plans   plan hash (name, seats, keys and the limits fields of {w:W}:ws); set of names
//
// # Lifetimes
//
// Every key that counts or records traffic expires (Kong #14995), its
// PEXPIRE refreshed on each write: rate and token counters after 70 s, a
// period's spend counters 70 days after their last write (periods are keyed
// by their start, so a new period is a new counter and nothing resets one),
// hourly roll-ups after 400 days, settled markers after a day, the audit
// stream and deliveries a day past the request retention (Options). Kept
// without a TTL, each for a reason: records and settings (workspace, token,
// member, upstream, invitation, webhook, voucher keys and their indexes),
// which live until deleted; the balance and the ledger, which are money;
// and the holds, which the held credits account for (each is settled or
// expires through the store's clock, never through Redis's). DeleteWorkspace
// deletes the kept keys of a workspace.
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
//     RoleForbidden (the reply carries the member's role from here on).
//     Keys survive their creator's removal and role.
//  3. No {w:W}:up:<name>: UpstreamUnknown. Restricted key and the name not in
//     its list: Forbidden.
//  4. Count every applicable limit (member token: member rpm else ws
//     member_rpm; key: key rpm else ws key_rpm; then ws_rpm; 0 is off) over
//     the Buckets+1 buckets in view, exactly as limiter.Counter.Count, and
//     combine them exactly as limiter.Decide. If any is exhausted: Limited
//     with the longest retry, and nothing is written.
//  5. Once every check passes (the money checks of step 6 included), HINCRBY
//     the current bucket of each applicable request limit, so only admitted
//     requests are counted. A limit that is off is not counted. Then, if at
//     least 60 s old, HSET the token's used and (member tokens) the member's
//     last to now in ms: at most one write each a minute.
//  6. Money (money.lua is the shared head of admit.lua, settle.lua and the
//     credits script). Token limits are counted in the same loop as the
//     request limits: member TPM (member override else ws member_tpm), key
//     TPM, ws TPM, and the per-model TPM of the token's ml entry, each
//     refusing when "counted + max(held tokens, 1) > limit" (tokens as
//     tcount says). If allowed so far, holds past their expiry are settled
//     first when credits.nx says one is due. Then the monthly caps in the
//     billing period of now (civil-date math in Lua, days from civil, equal
//     to store.PeriodStart): member or key credits, per-model credits and
//     tokens, each refusing when "spent + held + max(hold, 1) > cap"; the
//     first that fails decides (SpendCapped) and sets its notice field
//     with HSETNX, the only write on a denial (besides settling expired
//     holds, which changes no decision). Then the balance: NoCredits when
//     hold credits > bal − held.
//  7. When allowed with a request id, whatever the hold (a zero hold too:
//     the hold is what makes the settlement idempotent): HSETNX the
//     hold's record (a request id held already is not held twice), add its
//     tokens to the current bucket of each token limit that applies, its
//     credits and tokens to the held fields of the caps that apply and its
//     credits to credits.held, ZADD it to {w:W}:holds at now + HoldTTL and
//     lower credits.nx to that expiry if it is earlier. The flags of the
//     record say which of these it did (1, 2, 4, 8 token counters of member,
//     key, workspace, key and model; 16 the member or key cap; 32 the
//     per-model cap), so the release undoes exactly them.
//
// The reply is one string of space-separated integers, the token and
// member ids and, last, the member's role (see admit.lua), parsed into
// limiter.Decision in place.
//
// # Tool policies and revocations
//
// A workspace's tool policies are one hash, {w:W}:tools, so listing them is
// one HVALS; PutToolPolicy and DeleteToolPolicy write it and HINCRBY the
// workspace's uprev in one script, so every replica's route cache reloads.
// DeleteWorkspace deletes it with the rest.
//
// Revocations are classic pub/sub on RevocationChannel (outside every tag:
// on Cluster, PUBLISH reaches every node). The writes that stop tokens
// PUBLISH from inside their own script, after the write: RevokeToken's,
// PutMember's (only when the member turns from active and not a reader
// into removed or a reader) and DeleteWorkspace's. Revocations SUBSCRIBEs
// through the client (one connection per call); messages published while
// that connection is down are lost, which is why the gateway also
// re-checks long streams.
//
// # Settlement
//
// SettleBatch is one EVALSHA of settle.lua per workspace and up to 64
// settlements, sent through the admission pipeline (so that settlements
// share round trips with admissions; a batch's calls are sent together);
// Settle is a batch of one. Each settlement is one argument, a MessagePack
// array the script decodes with cmsgpack. The script reads the workspace,
// its balance, billing settings and the holds of the whole batch once (HMGET
// of {w:W}:holds:d, then MGET of the markers of the requests without a
// hold), and settles up to 4 holds per settlement due (as credits.nx says,
// at most 64). Then, for each settlement in order: its own hold, when
// present and not expired, is released (credits, caps, and the token
// counters corrected by actual − held in the hold's bucket if that bucket is
// still in view, never below 0); when expired it is settled at its estimate
// and the reply says not settled; with no hold, a settlement that says
// admission held it (store.Settlement.Held) was settled before, and for
// one that does not the marker {w:W}:stl:<id> says whether it was; a
// request settled earlier in the batch is not settled again. The cost leaves the balance and joins the
// spend counters of the hold's period (else the current one) for the member
// or key and, with a model, the token and model; the hour's roll-up and the
// ledger's usage row of the member or key grow; the record is added to
// {w:W}:req with XADD MINID ~ (retention); the marker is set for a day,
// only for a settlement that was not held (or a hold settled on expiry),
// so a request admission held leaves nothing behind but its audit entry. The
// increments are summed over the batch in Lua tables and written once per
// field (HINCRBY), the holds released with one HDEL and one ZREM, each key's
// PEXPIRE sent once; markers and audit records are one command each per
// settlement. A hold that expires is settled the same way at its estimate
// with an error record of status 0. Alerts are crossings of billing low/atb
// between the balance before and after each settlement (the first one's
// "before" is the balance before the script's sweep); a crossing made by a
// sweep inside Admit or Credits, which report no alerts, is left pending
// (credits.pl, pa) for the next settlement or credit to report, so exactly
// one call reports each.
//
// Vouchers live under their own tag {tg:v}, outside every workspace, so a
// redeem is two scripts: the voucher is marked redeemed by the workspace
// first, then the workspace is credited with the voucher's id as the
// transaction's id; a retry by the same workspace finishes a half-done
// redeem and cannot credit twice.
//
// Times in the scripts are microseconds in Lua's doubles, exact until 2^53
// µs after 1970 (the year 2255).
//
// # Timeouts
//
// A store made from a URL uses Options.Timeout (default 75 ms) as the dial,
// read, write and pool timeout, with no retries, so no call waits longer and
// no per-request context is allocated.
package redisstore
