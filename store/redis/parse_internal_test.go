package redisstore

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// FuzzParseDecision: any reply is either parsed or refused with errReply,
// never a panic, and a reply in admit.lua's format reads back exactly.
func FuzzParseDecision(f *testing.F) {
	f.Add(int64(0), int64(1), "tok", "mem", int64(3), int64(1), int64(120), int64(119), int64(5), int64(1700000000), true, "member")
	f.Add(int64(8), int64(2), "k", "", int64(0), int64(13), int64(-5), int64(0), int64(0), int64(0), false, "")
	f.Add(int64(0), int64(1), "t", "m", int64(1), int64(0), int64(0), int64(0), int64(0), int64(0), false, "odd role")
	f.Fuzz(func(t *testing.T, o, kind int64, tok, mem string, rev, sc, lim, rem, rst, period int64, held bool, role string) {
		var d limiter.Decision
		_, _ = parseDecision(tok+" "+mem, &d) // any string: no panic
		if tok == "" || strings.ContainsAny(tok+mem, " ") {
			return
		}
		v := fmt.Sprintf("%d %d %s %s %d %d %d %d %d %d %d %d %d %d %s", o&0xff, kind&0xff, tok, mem, rev, sc&0xff, lim, rem,
			rst, rst, 1, period, 1, map[bool]int{true: 1}[held], role)
		d = limiter.Decision{}
		h, err := parseDecision(v, &d)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if d.TokenID != tok || d.MemberID != mem || d.Limit != lim || d.Remaining != rem || d.Period != period ||
			d.UpstreamRev != rev || !d.Public || !d.CapNotice || h != held || d.Reset.Microseconds() != rst || d.Role != role {
			t.Fatalf("%q read as %+v held %v", v, d, h)
		}
	})
}

// FuzzModelLimitsRoundTrip: the ",model=tpm:tokens:credits," form that
// admit.lua searches decodes to the map it was made from.
func FuzzModelLimitsRoundTrip(f *testing.F) {
	f.Add("gpt-4o", int64(1000), int64(5), int64(7), "ft:gpt:acme:1", int64(0), int64(0), int64(1))
	f.Fuzz(func(t *testing.T, m1 string, a1, b1, c1 int64, m2 string, a2, b2, c2 int64) {
		in := map[string]store.ModelLimit{m1: {TPM: a1, MonthlyTokens: b1, MonthlyCredits: c1},
			m2: {TPM: a2, MonthlyTokens: b2, MonthlyCredits: c2}}
		if checkTokenLimits("t", store.TokenLimits{ModelLimits: in}) != nil {
			return
		}
		if out := decodeModelLimits(encodeModelLimits(in)); !maps.Equal(in, out) {
			t.Fatalf("%v came back as %v", in, out)
		}
	})
}

// TestParseIntsRefusesBadReplies: a settlement or credits reply of the
// wrong shape is refused, not read as zeros.
func TestParseIntsRefusesBadReplies(t *testing.T) {
	var x [3]int64
	for _, v := range []string{"", "1 2", "1 2 3 4", "1  2", "a b c", "1 2 c"} {
		if parseInts(v, x[:]) {
			t.Errorf("%q parsed as %v", v, x)
		}
	}
	if !parseInts("1 -2 3", x[:]) || x != [3]int64{1, -2, 3} {
		t.Fatalf("\"1 -2 3\" parsed as %v", x)
	}
}
