package redisstore

import (
	"unsafe"

	"github.com/tollgate-dev/tollgate/token"
)

// globalWorkspaces lists every workspace id. It is outside any workspace's
// slot and used only on the admin path.
const globalWorkspaces = "tg:workspaces"

// Global keys of accounts and plans, outside every workspace's slot and used
// only on the admin path.
const globalPlans = "tg:plans"

func acctKey(id string) string                  { return "tg:acct:" + id }
func acctEmailKey(email string) string          { return "tg:acct:email:" + email }
func acctWorkspaces(id string) string           { return "tg:acct:" + id + ":ws" }
func planKey(name string) string                { return "tg:plan:" + name }
func invKey(ws, id string) string               { return tag(ws) + ":inv:" + id }
func invitationsKey(ws string) string           { return tag(ws) + ":invitations" }
func invCodeKey(ws string, h token.Hash) string { return tag(ws) + ":invcode:" + h.Hex() }
func auditKey(ws string) string                 { return tag(ws) + ":audit" }
func auditEntriesKey(ws string) string          { return tag(ws) + ":audit:e" }

// tag returns the hash tag shared by every key of workspace ws.
func tag(ws string) string { return "{w:" + ws + "}" }

func wsKey(ws string) string                { return tag(ws) + ":ws" }
func memKey(ws, id string) string           { return tag(ws) + ":mem:" + id }
func tokIDKey(ws, id string) string         { return tag(ws) + ":tokid:" + id }
func upKey(ws, name string) string          { return tag(ws) + ":up:" + name }
func membersKey(ws string) string           { return tag(ws) + ":members" }
func tokensKey(ws string) string            { return tag(ws) + ":tokens" }
func upstreamsKey(ws string) string         { return tag(ws) + ":upstreams" }
func tokKey(ws string, h token.Hash) string { return tag(ws) + ":tok:" + h.Hex() }

// admitKeys returns the token key and the workspace key of an admission with
// one allocation: both are substrings of one string built in place, a shape
// chosen because this runs on every request.
func admitKeys(ws string, h token.Hash) (tok, wsk string) {
	const pre, mid, post = "{w:", "}:tok:", "}:ws"
	n := len(pre) + len(ws) + len(mid) + 2*len(h)
	b := make([]byte, 0, n+len(pre)+len(ws)+len(post))
	b = append(append(append(b, pre...), ws...), mid...)
	b = h.AppendHex(b)
	b = append(append(append(b, pre...), ws...), post...)
	all := unsafe.String(&b[0], len(b)) // b is never written again
	return all[:n], all[n:]
}

// Voucher keys share the tag {tg:v}, so one script may check a code and
// redeem it on Redis Cluster. A constant tag puts every voucher on one
// shard, which the admin path's volume allows.
const vouchersKey = "{tg:v}:all"

func voucherKey(id string) string        { return "{tg:v}:v:" + id }
func voucherHashKey(h token.Hash) string { return "{tg:v}:h:" + h.Hex() }
