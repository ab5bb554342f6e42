package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook delivery.
const (
	// HeaderSignature carries "t=<unix seconds>,v1=<hex HMAC-SHA-256>"
	// (see Sign).
	HeaderSignature = "Tollgate-Signature"
	// HeaderEvent carries the event type, such as "credits.low".
	HeaderEvent = "Tollgate-Event"
	// HeaderDelivery carries the id of the delivery attempt
	// (store.Delivery.ID); receivers deduplicate on the body's event id.
	HeaderDelivery = "Tollgate-Delivery"
)

// DefaultTolerance is the replay window Verify uses when given a tolerance
// of zero or less.
const DefaultTolerance = 5 * time.Minute

// secretPrefix starts every webhook secret.
const secretPrefix = "whsec_"

// Errors of Verify, for errors.Is. Each returned error wraps one of them and
// says which part of the header is wrong; none quotes the secret.
var (
	// ErrSignatureFormat: the header is missing, lacks t or v1, or has a
	// field that does not parse.
	ErrSignatureFormat = errors.New("notify: malformed webhook signature header")
	// ErrSignatureStale: the timestamp is further from now than the
	// tolerance (a replay, or a clock far off).
	ErrSignatureStale = errors.New("notify: webhook signature timestamp outside the tolerance")
	// ErrSignatureMismatch: no v1 value matches the body and the secret.
	ErrSignatureMismatch = errors.New("notify: webhook signature does not match")
)

// NewWebhookSecret returns a new signing secret: "whsec_" followed by 32
// random bytes from crypto/rand in unpadded base64url (49 characters in
// all). The whole string, prefix included, is the HMAC key.
func NewWebhookSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Sign returns the Tollgate-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex of HMAC-SHA-256(secret, "<unix seconds>.<body>")>".
// It is safe for concurrent use.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := signature(secret, ts, body)
	var b strings.Builder
	b.Grow(len("t=,v1=") + len(ts) + hex.EncodedLen(len(mac)))
	b.WriteString("t=")
	b.WriteString(ts)
	b.WriteString(",v1=")
	b.WriteString(hex.EncodeToString(mac))
	return b.String()
}

// signature is HMAC-SHA-256(secret, ts + "." + body).
func signature(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a Tollgate-Signature header against body and secret: the
// timestamp must be within tolerance of now (either side; zero or less
// means DefaultTolerance) and one of the v1 values (several are allowed,
// for a secret being rotated) must equal the HMAC, compared in constant
// time. Unknown fields are ignored. It returns nil, or an error wrapping
// ErrSignatureFormat, ErrSignatureStale or ErrSignatureMismatch.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	unix, _ := strconv.ParseInt(ts, 10, 64) // checked by parseSignature
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %d, %s from now, tolerance %s", ErrSignatureStale, unix, d.Round(time.Second), tolerance)
	}
	want := signature(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

// parseSignature splits a header into its timestamp (decimal, checked) and
// its decoded v1 signatures (at least one).
func parseSignature(header string) (ts string, sigs [][]byte, err error) {
	if strings.TrimSpace(header) == "" {
		return "", nil, fmt.Errorf("%w: header %s is missing or empty", ErrSignatureFormat, HeaderSignature)
	}
	for field := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return "", nil, fmt.Errorf("%w: field %q is not key=value", ErrSignatureFormat, truncate(field, 40))
		}
		switch k {
		case "t":
			if ts != "" {
				return "", nil, fmt.Errorf("%w: t appears twice", ErrSignatureFormat)
			}
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || v == "" || v[0] == '+' || v[0] == '-' {
				return "", nil, fmt.Errorf("%w: t must be unix seconds, got %q", ErrSignatureFormat, truncate(v, 40))
			}
			ts = v
		case "v1":
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != sha256.Size {
				return "", nil, fmt.Errorf("%w: v1 must be %d hex digits", ErrSignatureFormat, 2*sha256.Size)
			}
			sigs = append(sigs, s)
		}
	}
	if ts == "" {
		return "", nil, fmt.Errorf("%w: missing t (timestamp)", ErrSignatureFormat)
	}
	if len(sigs) == 0 {
		return "", nil, fmt.Errorf("%w: missing v1 (signature)", ErrSignatureFormat)
	}
	return ts, sigs, nil
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
