package gateway

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"sync/atomic"
)

// requestIDs makes request ids unique across replicas and restarts: a
// random prefix drawn once per process (64 bits, so two processes share one
// with negligible probability) and a counter, as "<prefix>.<n>" with n in
// base 36. Making one is an atomic add and an append: no allocation, no
// syscall per request. The zero value is not usable; see newRequestIDs.
type requestIDs struct {
	prefix [14]byte // 13 base32 characters and '.'
	n      atomic.Uint64
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newRequestIDs() *requestIDs {
	var r [8]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand documents it)
	ids := &requestIDs{}
	idEncoding.Encode(ids.prefix[:13], r[:])
	ids.prefix[13] = '.'
	return ids
}

// append appends a new request id to dst.
func (ids *requestIDs) append(dst []byte) []byte {
	dst = append(dst, ids.prefix[:]...)
	return strconv.AppendUint(dst, ids.n.Add(1), 36)
}
