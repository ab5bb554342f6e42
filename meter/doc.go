// Package meter records what the gateway served: one Event per proxied
// request, attributed to a workspace, a member or key, and an upstream.
//
// For now it keeps request counts in process, per workspace, per caller and
// per upstream, for the admin API and the tests. Settlement against the
// workspace's credits (reserve at admission, settle after the response)
// builds on the same Event.
package meter
