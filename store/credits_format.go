package store

import "strconv"

// CreditDigits is the number of decimals of a credit amount: micro-credits.
const CreditDigits = 6

// FormatCredits writes micro-credits µc as a decimal number of credits for
// people, with no trailing zeros: 12500000 is "12.5", 1 is "0.000001", 0 is
// "0". Every integer, including math.MinInt64, formats exactly.
func FormatCredits(µc int64) string {
	var b [32]byte
	return string(AppendCredits(b[:0], µc))
}

// AppendCredits appends FormatCredits(µc) to dst.
func AppendCredits(dst []byte, µc int64) []byte {
	u := uint64(µc)
	if µc < 0 {
		dst = append(dst, '-')
		u = -u // two's complement: exact for MinInt64 too
	}
	dst = strconv.AppendUint(dst, u/MicroPerCredit, 10)
	frac := u % MicroPerCredit
	if frac == 0 {
		return dst
	}
	var f [CreditDigits]byte
	for i := CreditDigits - 1; i >= 0; i-- {
		f[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := CreditDigits
	for f[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, f[:n]...)
}
