// Package token defines Tollgate's credential format: member tokens (mwt_),
// workspace keys (wsk_), operator tokens (tgo_) and invitation codes (inv_).
//
// A token is prefix + workspace id (12 base62 characters) + secret (43 base62
// characters, 256 random bits) + checksum (6 base62 characters, CRC-32 of
// everything before it). Parse refuses a wrong prefix, length, alphabet or
// checksum without touching any store, so garbage costs no round trip. The
// workspace id travels in the token so admission can address the workspace's
// keys directly: the gateway needs no index from token to workspace. Tokens
// are stored only as their SHA-256 digest (Hash).
package token
