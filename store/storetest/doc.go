// Package storetest is the contract suite every store.Store backend must
// pass. A backend's own test calls Run with a constructor that wires the
// suite's FakeClock as the store's time source, so that rate-limit windows are
// driven deterministically and no test sleeps.
//
// The suite checks, as subtests named after the property: CRUD of every
// record with ErrNotFound, ErrExists and ordering; every Admit outcome in the
// documented order; that revocations, removals and limit changes are seen by
// the very next Admit; that limits are counted per member, per key and per
// workspace and only for admitted requests; that concurrent Admits never
// admit more than the limit; and that decisions match the reference
// bucketed sliding window (limiter.Counter with limiter.Decide) exactly,
// including Remaining, Reset and RetryAfter.
//
// RunTeams checks the store.Teams half: accounts and memberships, workspace
// update and delete (tokens Unknown at once), GetTokenByHash, invitations
// (duplicates, seats counting active members and pending unexpired
// invitations, expiry by the fake clock, a 20-way race for the last seat,
// compare-and-set updates, atomic acceptance), plans, the audit log and its
// filters, and the admission additions: readers are RoleForbidden and not
// counted, role changes are seen at once, and admitted requests record
// LastActive and LastUsed at most once a minute. RunAll runs both.
//
// RunMoney (part of RunAll) checks the store.Money half with Admit's money
// checks, with the default hold lifetime and request
// retention: holds and Settle to the micro-credit, idempotent and unheld
// settles, NoCredits and the zero-estimate rules, the order of the money
// checks and that a refusal writes nothing, hold expiry at the estimate,
// member, key and key-model caps per billing period (anchor, roll-over,
// CapNotice once), token-per-minute limits with settle correction and
// TokenCount, AddCredits and the ledger, credit alerts once per crossing,
// usage roll-ups, the request audit trail with its retention, vouchers
// (20-way races), UpdateTokenLimits, SetBilling, webhooks and deliveries,
// workspace isolation, and concurrent runs whose ledger sums to the balance.
//
// RunTools (part of RunAll) checks store.Tools: tool policy CRUD, order,
// copies, validation, the upstream revision bump of each write, isolation
// by workspace and removal with the workspace; the revocation feed (revoked
// tokens, removed members, members made reader, deleted workspaces, nothing
// for other writes, every subscriber, closing on ctx end and on Close),
// polled with a deadline; and Decision.Role from Admit.
//
// Each subtest uses fresh random workspace ids, so backends may share one
// server between subtests. Times used by the suite are whole milliseconds.
package storetest
