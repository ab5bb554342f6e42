package admin

import (
	"crypto/rand"
	"hash/crc32"
	"strings"
)

// Voucher codes look like tokens: "tgv_", 43 random base62 digits (256
// bits) and a 6-digit base62 CRC-32 checksum, so that a mistyped or cut
// code is refused before any store access and secret scanners can spot one.
// The store keeps only the code's SHA-256 (token.HashOf).
const (
	voucherPrefix    = "tgv_"
	voucherRandLen   = 43
	voucherCheckLen  = 6
	voucherCodeLen   = len(voucherPrefix) + voucherRandLen + voucherCheckLen
	base62           = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base62RejectFrom = 248 // 4 × 62: bytes at or above it are drawn again, so digits are unbiased
)

// newVoucherCode returns a fresh voucher code.
func newVoucherCode() (string, error) {
	b := make([]byte, voucherCodeLen)
	copy(b, voucherPrefix)
	body := b[len(voucherPrefix) : voucherCodeLen-voucherCheckLen]
	var buf [64]byte
	for i := 0; i < len(body); {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, r := range buf {
			if r < base62RejectFrom && i < len(body) {
				body[i] = base62[r%62]
				i++
			}
		}
	}
	putChecksum(b[voucherCodeLen-voucherCheckLen:], crc32.ChecksumIEEE(b[:voucherCodeLen-voucherCheckLen]))
	return string(b), nil
}

// validVoucherCode reports whether s has a voucher code's prefix, length,
// alphabet and checksum. It reads no store.
func validVoucherCode(s string) bool {
	if len(s) != voucherCodeLen || !strings.HasPrefix(s, voucherPrefix) {
		return false
	}
	for i := len(voucherPrefix); i < len(s); i++ {
		if strings.IndexByte(base62, s[i]) < 0 {
			return false
		}
	}
	var want [voucherCheckLen]byte
	putChecksum(want[:], crc32.ChecksumIEEE([]byte(s[:voucherCodeLen-voucherCheckLen])))
	return string(want[:]) == s[voucherCodeLen-voucherCheckLen:]
}

func putChecksum(dst []byte, v uint32) {
	n := uint64(v)
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = base62[n%62]
		n /= 62
	}
}
