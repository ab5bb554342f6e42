package gateway

import (
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/token"
	"github.com/valyala/fasthttp"
)

// windowSeconds is the w= of RateLimit-Policy: every limit is per minute.
var windowSeconds = int64(limiter.Window / time.Second)

// credential returns the token the client sent, or nil. It aliases the
// request headers and does not allocate.
func credential(h *fasthttp.RequestHeader) []byte {
	return token.FromHeaders(func(name string) []byte { return h.Peek(name) })
}

// setRateHeaders sets the rate-limit headers describing d when a limit
// applied: RateLimit-Policy and RateLimit (IETF draft), X-RateLimit-Limit,
// -Remaining and -Reset, and on a 429 (limited) also Retry-After. Numbers are
// formatted into a stack buffer; nothing is allocated.
func setRateHeaders(h *fasthttp.ResponseHeader, d *limiter.Decision, limited bool) {
	if d.Scope == limiter.ScopeNone {
		return
	}
	var b [96]byte
	reset := ceilSeconds(d.Reset, 0)
	remaining := max(d.Remaining, 0)
	if limited {
		h.SetBytesV("Retry-After", strconv.AppendInt(b[:0], ceilSeconds(d.RetryAfter, 1), 10))
	}
	h.SetBytesV("X-RateLimit-Limit", strconv.AppendInt(b[:0], d.Limit, 10))
	h.SetBytesV("X-RateLimit-Remaining", strconv.AppendInt(b[:0], remaining, 10))
	h.SetBytesV("X-RateLimit-Reset", strconv.AppendInt(b[:0], reset, 10))

	v := appendScope(b[:0], d.Scope)
	v = append(v, ";q="...)
	v = strconv.AppendInt(v, d.Limit, 10)
	v = append(v, ";w="...)
	v = strconv.AppendInt(v, windowSeconds, 10)
	h.SetBytesV("RateLimit-Policy", v)

	v = appendScope(b[:0], d.Scope)
	v = append(v, ";r="...)
	v = strconv.AppendInt(v, remaining, 10)
	v = append(v, ";t="...)
	v = strconv.AppendInt(v, reset, 10)
	h.SetBytesV("RateLimit", v)
}

// setRetryAfter sets only Retry-After from d: a monthly cap's window is a
// billing period, which the per-minute RateLimit headers cannot describe.
func setRetryAfter(h *fasthttp.ResponseHeader, d *limiter.Decision) {
	var b [24]byte
	h.SetBytesV("Retry-After", strconv.AppendInt(b[:0], ceilSeconds(d.RetryAfter, 1), 10))
}

// appendScope appends the quoted policy name of s, such as "member".
func appendScope(dst []byte, s limiter.Scope) []byte {
	dst = append(dst, '"')
	dst = append(dst, s.String()...)
	return append(dst, '"')
}

// ceilSeconds returns d in whole seconds, rounded up, and at least floor.
func ceilSeconds(d time.Duration, floor int64) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, floor)
}
