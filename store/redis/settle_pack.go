package redisstore

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

// settleFields is the length of the MessagePack array of one settlement
// (settle.lua reads it with cmsgpack.unpack).
const settleFields = 21

// appendSettlement appends st as settle.lua's ARGV of one settlement: a
// MessagePack array of its request id, cost, the record's token id,
// member id, kind, upstream, model, tool, tool call and error (1 or 0),
// tokens input, output, cached read, cached write and reasoning, request
// id, method, route, status, latency (ns) and Held (1 or 0). One
// binary-safe string per
// settlement, a shape chosen for speed: Redis parses one argument instead
// of twenty, and the script decodes it in C.
func appendSettlement(dst []byte, st *store.Settlement) []byte {
	rec := &st.Record
	rid := rec.RequestID
	if rid == "" {
		rid = st.RequestID
	}
	t := rec.Tokens
	dst = append(dst, 0xdc, 0, settleFields) // array 16
	dst = packStr(dst, st.RequestID)
	dst = packInt(dst, st.Cost)
	for _, s := range [...]string{rec.TokenID, rec.MemberID, rec.Kind, rec.Upstream, rec.Model, rec.Tool} {
		dst = packStr(dst, s)
	}
	for _, n := range [...]int64{b2i(rec.ToolCall), b2i(rec.Error), t.Input, t.Output, t.CachedRead, t.CachedWrite,
		t.Reasoning} {
		dst = packInt(dst, n)
	}
	for _, s := range [...]string{rid, rec.Method, rec.Route} {
		dst = packStr(dst, s)
	}
	dst = packInt(dst, int64(rec.Status))
	dst = packInt(dst, int64(rec.Latency))
	return packInt(dst, b2i(st.Held))
}

// packStr appends s as a MessagePack str.
func packStr(dst []byte, s string) []byte {
	switch n := len(s); {
	case n < 32:
		dst = append(dst, 0xa0|byte(n))
	case n < 1<<8:
		dst = append(dst, 0xd9, byte(n))
	case n < 1<<16:
		dst = append(dst, 0xda, byte(n>>8), byte(n))
	default:
		dst = binary.BigEndian.AppendUint32(append(dst, 0xdb), uint32(n))
	}
	return append(dst, s...)
}

// packInt appends n as a MessagePack int: a positive fixint when it fits,
// else int 64. Lua reads either as a double, exact below 2^53.
func packInt(dst []byte, n int64) []byte {
	if n >= 0 && n < 128 {
		return append(dst, byte(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(n))
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// parseSettled fills rs[idx[i]] from settle.lua's reply v, four integers
// per settlement ("settled balance low auto"); false when v is malformed.
func parseSettled(v string, idx []int, rs []store.SettleResult) bool {
	var x [4]int64
	for n, i := range idx {
		for k := range x {
			f := v
			if j := strings.IndexByte(v, ' '); j >= 0 {
				f, v = v[:j], v[j+1:]
			} else {
				v = ""
				if n != len(idx)-1 || k != len(x)-1 {
					return false
				}
			}
			var err error
			if x[k], err = strconv.ParseInt(f, 10, 64); err != nil {
				return false
			}
		}
		rs[i] = store.SettleResult{Settled: x[0] == 1, Balance: x[1],
			CreditAlerts: store.CreditAlerts{LowBalance: x[2] == 1, AutoTopUp: x[3] == 1}}
	}
	return v == ""
}
