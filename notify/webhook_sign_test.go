package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

var signedAt = time.Date(2026, 11, 3, 14, 5, 0, 0, time.UTC)

// TestSignMatchesHandWrittenHMACAndVerifies: receivers without our code must get the same signature from the documented recipe.
func TestSignMatchesHandWrittenHMACAndVerifies(t *testing.T) {
	secret, body := []byte("whsec_test"), []byte(`{"id":"e1","type":"credits.low"}`)
	h := Sign(secret, signedAt, body)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(signedAt.Unix(), 10) + "." + string(body)))
	want := "t=" + strconv.FormatInt(signedAt.Unix(), 10) + ",v1=" + hex.EncodeToString(mac.Sum(nil))
	if h != want {
		t.Fatalf("Sign = %q, want %q", h, want)
	}
	if err := Verify(secret, h, body, signedAt.Add(time.Minute), 0); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// TestVerifyRefusalsAreNamed: each way a header can be wrong gets its own sentinel and a message naming the problem.
func TestVerifyRefusalsAreNamed(t *testing.T) {
	secret, body := []byte("whsec_test"), []byte(`{"id":"e1"}`)
	good := Sign(secret, signedAt, body)
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	sig := good[strings.Index(good, "v1="):]
	tests := []struct {
		name, header string
		body         []byte
		now          time.Time
		want         error
		says         string
	}{
		{"missing header", "", body, signedAt, ErrSignatureFormat, "missing or empty"},
		{"missing t", sig, body, signedAt, ErrSignatureFormat, "missing t"},
		{"missing v1", "t=" + ts, body, signedAt, ErrSignatureFormat, "missing v1"},
		{"t not a number", "t=soon," + sig, body, signedAt, ErrSignatureFormat, "t must be unix seconds"},
		{"t signed", "t=+" + ts + "," + sig, body, signedAt, ErrSignatureFormat, "t must be unix seconds"},
		{"t twice", "t=" + ts + ",t=" + ts + "," + sig, body, signedAt, ErrSignatureFormat, "t appears twice"},
		{"v1 not hex", "t=" + ts + ",v1=zz", body, signedAt, ErrSignatureFormat, "v1 must be 64 hex digits"},
		{"v1 short", "t=" + ts + ",v1=abcd", body, signedAt, ErrSignatureFormat, "v1 must be 64 hex digits"},
		{"field without =", "t=" + ts + ",junk," + sig, body, signedAt, ErrSignatureFormat, `field "junk"`},
		{"stale", good, body, signedAt.Add(6 * time.Minute), ErrSignatureStale, "tolerance 5m0s"},
		{"from the future", good, body, signedAt.Add(-6 * time.Minute), ErrSignatureStale, "tolerance"},
		{"body changed", good, []byte(`{"id":"e2"}`), signedAt, ErrSignatureMismatch, "does not match"},
		{"timestamp changed", "t=" + strconv.FormatInt(signedAt.Unix()+1, 10) + "," + sig, body, signedAt, ErrSignatureMismatch, "does not match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(secret, tc.header, tc.body, tc.now, 0)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %v saying %q", err, tc.want, tc.says)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error quotes the secret: %v", err)
			}
		})
	}
	if err := Verify([]byte("whsec_other"), good, body, signedAt, 0); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("wrong secret: got %v", err)
	}
}

// TestVerifyAcceptsAnyListedSignatureAndIgnoresUnknownFields: rotation sends two v1 values, and future schemes add fields.
func TestVerifyAcceptsAnyListedSignatureAndIgnoresUnknownFields(t *testing.T) {
	body := []byte("{}")
	h := Sign([]byte("new"), signedAt, body)
	old := Sign([]byte("old"), signedAt, body)
	combined := old + "," + h[strings.Index(h, "v1="):] + ",v2=whatever"
	for _, secret := range []string{"old", "new"} {
		if err := Verify([]byte(secret), combined, body, signedAt, time.Second); err != nil {
			t.Errorf("secret %s: %v", secret, err)
		}
	}
}

// TestVerifyToleranceIsInclusiveAndConfigurable: a custom window is honoured at its edge.
func TestVerifyToleranceIsInclusiveAndConfigurable(t *testing.T) {
	h := Sign([]byte("s"), signedAt, nil)
	if err := Verify([]byte("s"), h, nil, signedAt.Add(30*time.Second), 30*time.Second); err != nil {
		t.Fatalf("at the edge: %v", err)
	}
	if err := Verify([]byte("s"), h, nil, signedAt.Add(31*time.Second), 30*time.Second); !errors.Is(err, ErrSignatureStale) {
		t.Fatalf("past the edge: %v", err)
	}
}

// TestNewWebhookSecretIsPrefixedRandom32Bytes: secrets must carry 256 bits and never repeat.
func TestNewWebhookSecretIsPrefixedRandom32Bytes(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := NewWebhookSecret()
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if !strings.HasPrefix(s, "whsec_") || err != nil || len(raw) != 32 || seen[s] {
			t.Fatalf("secret %q (err %v, %d bytes, repeated %v)", s, err, len(raw), seen[s])
		}
		seen[s] = true
	}
}

// FuzzVerify: no header makes Verify panic, and a header it accepts must carry the body's true signature.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"id":"e1"}`)
	good := Sign([]byte("k"), signedAt, body)
	for _, s := range []string{good, "", "t=", "v1=", "t=1,v1=00", good + ",v1=" + strings.Repeat("0", 64), "t=1,,v1=x", "t=-1,v1=" + strings.Repeat("a", 64), " t = 1 , v1 = 2 "} {
		f.Add(s)
	}
	want := good[strings.Index(good, "v1=")+3:]
	f.Fuzz(func(t *testing.T, header string) {
		err := Verify([]byte("k"), header, body, signedAt, 0)
		if err == nil && !strings.Contains(strings.ToLower(header), want) {
			t.Fatalf("accepted %q without the true signature", header)
		}
		if err != nil && !errors.Is(err, ErrSignatureFormat) && !errors.Is(err, ErrSignatureStale) && !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
	})
}

// FuzzSignRoundTrip: whatever the secret, body and time, Verify accepts what Sign produced.
func FuzzSignRoundTrip(f *testing.F) {
	f.Add([]byte("whsec_x"), []byte("{}"), int64(1_700_000_000))
	f.Add([]byte{}, []byte{0, 1, 2}, int64(0))
	f.Fuzz(func(t *testing.T, secret, body []byte, unix int64) {
		at := time.Unix(max(unix, -unix)%(1<<40), 0) // after 1970 (Verify refuses a signed t) and within Sub's range
		if err := Verify(secret, Sign(secret, at, body), body, at, time.Second); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkSign measures one signature of a typical 300-byte body.
func BenchmarkSign(b *testing.B) {
	secret, body := []byte(NewWebhookSecret()), []byte(strings.Repeat("x", 300))
	b.ReportAllocs()
	for b.Loop() {
		_ = Sign(secret, signedAt, body)
	}
}
