// Package meter records what the gateway served: one Event per proxied
// request, attributed to a workspace, a member or key, and an upstream.
//
// For now it keeps request counts in process, per workspace, per caller and
// per upstream, for the admin API and the tests. Settlement against the
// workspace's credits (reserve at admission, settle after the response)
// builds on the same Event.
//
// Prices come from a Table built from the config's pricing section: per
// model and token kind, in micro-credits (µc) per 1M tokens, and per MCP
// tools/call. Table.Estimate gives what admission holds for a request, Cost
// what its response's tokens cost. A Book holds the table in force and
// swaps it atomically on reload, keeping the last good table when a new one
// does not validate. A nil Table (no pricing section) means metering off.
package meter
