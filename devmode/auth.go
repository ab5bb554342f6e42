package devmode

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// bearerMatches reports whether r carries `Authorization: Bearer <want>`.
// The scheme is matched case-insensitively, the credential in constant time.
func bearerMatches(r *http.Request, want string) bool {
	h := r.Header.Get("Authorization")
	const scheme = "bearer "
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return false
	}
	got := strings.TrimSpace(h[len(scheme):])
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// mustCredential panics when a constructor is given no demo credential: an
// upstream that accepts anything would not exercise credential injection.
func mustCredential(who, credential string) {
	if strings.TrimSpace(credential) == "" {
		panic("devmode: " + who + ": empty demo credential")
	}
}
