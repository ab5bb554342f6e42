package admin

import (
	"strings"
	"testing"
)

// TestVoucherCodesAreRandomAndChecked: codes carry 256 random bits and a
// checksum, so two are never equal and any typo is caught before the store.
func TestVoucherCodesAreRandomAndChecked(t *testing.T) {
	a, err := newVoucherCode()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newVoucherCode()
	if a == b || !strings.HasPrefix(a, "tgv_") || len(a) != voucherCodeLen {
		t.Fatalf("codes %q and %q", a, b)
	}
	if !validVoucherCode(a) || !validVoucherCode(b) {
		t.Fatalf("fresh codes refused: %q %q", a, b)
	}
	for i := len(voucherPrefix); i < len(a); i++ {
		typo := []byte(a)
		typo[i] = base62[(strings.IndexByte(base62, typo[i])+1)%62]
		if validVoucherCode(string(typo)) {
			t.Errorf("a typo at %d passed the checksum: %q", i, typo)
		}
	}
	for _, bad := range []string{"", a[:len(a)-1], a + "x", "tgx_" + a[4:], strings.Replace(a, a[10:11], "-", 1)} {
		if validVoucherCode(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzValidVoucherCode: the check never panics and accepts only strings of
// a code's shape.
func FuzzValidVoucherCode(f *testing.F) {
	code, _ := newVoucherCode()
	f.Add(code)
	f.Add("tgv_")
	f.Add(strings.Repeat("z", voucherCodeLen))
	f.Fuzz(func(t *testing.T, s string) {
		if validVoucherCode(s) && (len(s) != voucherCodeLen || !strings.HasPrefix(s, voucherPrefix)) {
			t.Fatalf("accepted %q", s)
		}
	})
}
