// Package embedded is the default, single-node backend of store.Store: state
// in a bbolt database in the data directory, admission in memory.
//
// # What is durable
//
// Workspaces (with their limits), members, tokens (the SHA-256 hash only,
// never the token), upstreams (including their credentials, so the data
// directory must stay private: it is created 0700 and the file 0600), each
// workspace's upstream revision, invitations (code hash only) and audit log,
// tool policies, and the global accounts and plans. Every admin method writes through to
// bbolt in one transaction before it returns, so a write that returned
// survives a crash, and the upstream revision never goes backwards across
// restarts. AcceptInvitation writes its member, token and invitation in one
// transaction; DeleteWorkspace removes the workspace's whole bucket in one.
//
// Money (see money.go) is durable the same way: Settle, AddCredits and
// RedeemVoucher commit the balance, each monthly cap's spend per billing
// period, the ledger, the hourly usage roll-ups, the request audit trail and
// the settled-request markers before they return (Settle shares its commit
// with concurrent Settles through bolt.DB.Batch), and change memory only
// after the commit. Vouchers, webhooks and deliveries are written through
// and read from disk. Holds are the exception: in memory only, made and
// settled by this one process; graceful shutdown settles before Close.
//
// The exception is last activity (Member.LastActive, Token.LastUsed): Admit
// records it in memory only, to the minute, and it reaches the disk with the
// next admin write of that record or on Close (see activity.go). A crash
// loses at most that much of it; admission never depends on it.
//
// # What is in memory
//
// Open loads the whole database except the audit log into maps, and every
// admin write updates them after its transaction commits. The audit log is
// read from disk by ListAudit, in key order, which is time order. Admit reads only these maps: no disk I/O and
// no allocation on the request path. The rate-limit counters
// (limiter.Counter, one per member, per key and per workspace, for requests
// and for tokens) live only in memory and start empty after a restart: a
// restart forgives at most one minute of traffic per limit. The balance,
// the credits held and each cap's spend and holds are in memory too,
// loaded at Open, so admission with money checks still reads only memory;
// it allocates only to record a hold.
//
// # Locking
//
// The workspace index is an immutable map swapped atomically when a
// workspace is created, so Admit finds a workspace without a lock. Each
// workspace has two mutexes: mu guards its records and counters and is held
// by Admit for the whole decision, which makes every decision atomic with
// respect to every other decision and write in that workspace; write
// serialises the workspace's admin writes and is held across the bbolt
// commit, so a slow fsync never blocks admission. mu is taken only briefly,
// after the commit, to publish the change: a write is seen by the very next
// Admit that starts after the method returns. Checks that must be atomic with
// their write (CreateInvitation's duplicate and seat checks, AcceptInvitation)
// read memory and commit while holding write, so concurrent calls for the
// last seat or the same code run one at a time. Accounts and plans have one
// global mutex, held the same way.
//
// # Revocations
//
// The Revocations feed is in process (revocations.go): a write that stops
// tokens offers the revocation to every subscriber after its commit,
// without blocking; a subscriber more than 256 behind misses it, and
// RevocationsDropped counts that.
//
// # One process
//
// bbolt locks its file, so only one process may open a data directory: a
// second Open fails after about a second with an error naming the file. This
// backend is for one gateway process on one node; replicas share Redis
// (store/redis) instead.
package embedded
